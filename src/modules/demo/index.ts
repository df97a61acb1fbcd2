export { DemoService, DEMO_TIME_ZONE, type DemoDeps, type DemoProgress, type DemoSummary } from './demo.service.js';
export { DemoOptionsInput, MAX_DEMO_CUSTOMERS } from './demo.schemas.js';
export { planDemo, type DemoPlan, type DemoChunk } from './domain/demo.generator.js';
