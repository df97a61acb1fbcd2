export { OrdersService, ORDERS_BATCH_IMPORTED, type ImportBatchOptions, type ImportOrderResult } from './orders.service.js';
export { OrderInput, OrderLineInput, ReturnInput, CHANNELS } from './orders.schemas.js';
export { registerOrdersRoutes } from './http/orders.routes.js';
