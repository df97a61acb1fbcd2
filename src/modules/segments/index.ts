export { SegmentsService } from './segments.service.js';
export { RfmService } from './rfm/rfm.service.js';
export { registerSegmentsRoutes } from './http/segments.routes.js';
export { ClustersService, type ClusterRun, type ClusterProfile, type CustomerCluster } from './clusters/clusters.service.js';
