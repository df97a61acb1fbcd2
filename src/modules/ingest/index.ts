export { IngestService, ImportError, type ImportRequest, type ImportSummary, type ImportProgress } from './ingest.service.js';
export { DbRunStore, MemoryRunStore } from './import-runs.js';
export { directWriter, remoteWriter } from './record-writers.js';
export { IMPORT_KINDS, KIND_FIELDS, type ImportKind } from './domain/import-kinds.js';
export { IMPORT_PRESETS } from './domain/import-presets.js';
export { MappingSpec } from './ingest.schemas.js';
export { ImportsService, type ImportStatus, type UploadView } from './imports.service.js';
export { registerImportsRoutes } from './http/imports.routes.js';
