export { StaffService, GUIDE_ROLES, type Assignment, type AssignInput, type BookEntry } from './staff.service.js';
export { ASSIGN_GUIDES_SUBSCRIBER, assignGuidesWhenOrdersPlaced } from './subscribers/assign-guides-when-orders-placed.js';
export { staffExportParticipant } from './privacy-export.js';
export { registerStaffRoutes } from './http/staff.routes.js';
