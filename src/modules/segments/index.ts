export { SegmentsService } from './segments.service.js';
export { RfmService, systemSegmentCode, type RfmRun, type RfmRunInput, type CustomerScores } from './rfm/rfm.service.js';
export { SegmentReportsService, REPORT_GROUPINGS, REPORT_DIMENSIONS } from './rfm/reports.service.js';
export { rfmFromFile, RfmFileError, businessDate, type RfmFileOptions, type RfmFileResult } from './rfm/rfm-file.js';
export {
  RfmThresholds,
  RFM_SEGMENTS,
  VALUE_CLASSES,
  VALUE_QUADRANTS,
  TREATMENTS,
  SEGMENT_GRID,
  quintileScore,
  thresholdScores,
  valueClassOf,
  segmentOf,
  quadrantOf,
  potentialValueFen,
  type RfmSegment,
  type ValueClass,
  type ValueQuadrant,
} from './domain/rfm.js';
export { scoreCustomers, rfGrid, type CustomerFacts, type RfmRow, type GridCell, type RfmMethod } from './domain/rfm-score.js';
export { registerSegmentsRoutes } from './http/segments.routes.js';
export { ClustersService, type ClusterRun, type ClusterProfile, type CustomerCluster } from './clusters/clusters.service.js';
export { ClusterRunInput } from './clusters/clusters.schemas.js';
export {
  MembershipService,
  SEGMENT_ENTERED,
  SEGMENT_EXITED,
  type MembershipChanged,
  type RefreshResult,
} from './membership/membership.service.js';
export { RuleSegmentsService, type Segment, type CustomerDirectory } from './rules/rule-segments.service.js';
export { parseRuleDefinition, RULE_VERSION, type RuleDefinition, type RuleNode } from './rules/rule.schema.js';
export {
  UPDATE_SEGMENTS_SUBSCRIBER,
  MEMBERSHIP_EVENTS,
  updateSegmentsWhenCustomersChange,
} from './membership/subscribers/update-segments-when-customers-change.js';
export { scheduleSegmentsRefresh, SEGMENTS_REFRESH_JOB, SEGMENTS_REFRESH_CRON, SEGMENTS_REFRESH_RFM_JOB } from './membership/subscribers/refresh-segments-nightly.js';
export { rescoreRfm, scheduleRfmNightly, RFM_NIGHTLY_JOB, RFM_NIGHTLY_CRON } from './rfm/rescore-rfm-nightly.js';
