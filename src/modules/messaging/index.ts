export * from './messaging.contract.js';
export { MessagingService, toMessage, SQL_UUID_V7, type Message, type SendNowInput } from './messaging.service.js';
