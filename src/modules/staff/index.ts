export { StaffService, GUIDE_ROLES, type Assignment, type AssignInput, type BookEntry } from './staff.service.js';
export { ASSIGN_GUIDES_SUBSCRIBER, assignGuidesWhenOrdersPlaced } from './subscribers/assign-guides-when-orders-placed.js';
export { staffExportParticipant } from './privacy-export.js';
export { adoptCreatedCustomers } from './adopt.js';
export { registerStaffRoutes } from './http/staff.routes.js';
export { StaffKpisService, KPI_TARGETS, REPORT_METRICS, type KpiRow, type KpiReport, type WeeklyReport, type RewardRule, type Reward, type LeaderboardEntry } from './kpis/kpis.service.js';
export { formatWeeklyReport } from './kpis/report-format.js';
export { scheduleStaffWeekly, STAFF_WEEKLY_JOB } from './jobs/weekly-report.js';
