export { AccessService, parseScopes, type StaffView, type ApiKeyView } from './access.service.js';
export { ROLES, ROLE_SCOPES, type Role } from './domain/roles.js';
export { registerAccessRoutes } from './http/access.routes.js';
