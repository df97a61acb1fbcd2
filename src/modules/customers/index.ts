export {
  CustomerRefInput,
  CustomerUpsertInput,
  ConsentInput,
  CONSENT_CHANNELS,
  CONSENT_PURPOSES,
  REF_IDENTIFIER_FIELDS,
} from './customers.schemas.js';
export {
  CustomersService,
  type ResolvedRef,
  type ResolveContext,
  type IdentifierAttached,
  type MergeParticipant,
  type ExportParticipant,
  type ErasureParticipant,
  type ErasureContext,
  type ErasureResult,
  type CustomerExport,
  type MergeOptions,
  type MergeResult,
  type UpsertContext,
  type TimelineItemInput,
  type TimelineSource,
  type CustomerSummary,
  type Customer360,
  type TimelineItem,
  type DuplicateView,
  type SearchQuery,
} from './customers.service.js';
export { exportRows, EXPORT_FORMAT } from './privacy-export.js';
export { countRows, profileIdsParam, ERASED, CUSTOMER_ERASED } from './privacy-erase.js';
export { RESOLUTION_ACTOR, IDENTIFIER_ATTACHED } from './identity-resolution.js';
export { validateCustomerRef } from './domain/customer-ref.js';
export { IDENTIFIER_TYPES, normaliseIdentifier, normalisePhone, normaliseEmail, type IdentifierType } from './domain/identifiers.js';
export { registerCustomersRoutes } from './http/customers.routes.js';
export { summaryView, type Viewer } from './http/customer.views.js';
