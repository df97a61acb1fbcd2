export { CustomerRefInput, REF_IDENTIFIER_FIELDS } from './customers.schemas.js';
export { CustomersService, type ResolvedRef, type MergeParticipant, type ResolveContext } from './customers.service.js';
export { IDENTIFIER_TYPES, normaliseIdentifier, normalisePhone, normaliseEmail, type IdentifierType } from './domain/identifiers.js';
export { registerCustomersRoutes } from './http/customers.routes.js';
