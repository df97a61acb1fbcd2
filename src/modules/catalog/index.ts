export { CatalogService, type Store, type Product } from './catalog.service.js';
export { StoreInput, ProductInput } from './catalog.schemas.js';
export { registerCatalogRoutes, productView } from './http/catalog.routes.js';
