export { DemoService, DEMO_TIME_ZONE, DEMO_LIVE_JOURNEYS, DEMO_JOURNEY_DAYS, type DemoDeps, type DemoProgress, type DemoSummary, type DemoJourneys } from './demo.service.js';
export { DemoOptionsInput, MAX_DEMO_CUSTOMERS } from './demo.schemas.js';
export { seedService, DEMO_SERVICE_DAYS, DEMO_NPS_DAYS, type DemoServiceHistory } from './service-demo.js';
export { planDemo, type DemoPlan, type DemoChunk } from './domain/demo.generator.js';
export { seedListening, DEMO_LISTENING_DAYS, type DemoListeningHistory } from './listening-demo.js';
