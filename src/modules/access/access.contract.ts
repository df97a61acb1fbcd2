import { z } from 'zod';
import { SCOPES } from '../../platform/http/auth.js';
import { ROLES } from './domain/roles.js';

/**
 * The request bodies of the access endpoints, shared with the console (web/src imports this file,
 * so it may depend only on zod and plain constants): a form refuses exactly what the API refuses.
 */
export const USERNAME_PATTERN = /^[a-zA-Z0-9._-]{2,64}$/;
export const PASSWORD_MIN = 10;
export const NAME_MAX = 100;

export const username = z.string().regex(USERNAME_PATTERN, 'username: 2–64 letters, digits, dot, dash or underscore');
export const displayName = z.string().trim().min(1, 'must not be empty').max(NAME_MAX);
export const storeCode = z.string().trim().min(1, 'must not be empty').max(32).nullable();

export const CreateStaffBody = z.object({
  username,
  displayName: displayName.optional(),
  role: z.enum(ROLES),
  storeCode: storeCode.optional(),
  password: z.string().min(PASSWORD_MIN).optional(),
});
export type CreateStaffInput = z.infer<typeof CreateStaffBody>;

export const UpdateStaffBody = z
  .object({
    displayName: displayName.optional(),
    role: z.enum(ROLES).optional(),
    storeCode: storeCode.optional(),
    /** true signs the person out everywhere and refuses their sign-ins; false lets them back in. */
    disabled: z.boolean().optional(),
  })
  .refine((b) => Object.values(b).some((v) => v !== undefined), { message: 'nothing to change' });
export type UpdateStaffInput = z.infer<typeof UpdateStaffBody>;

/** An API key carries either a role's scopes (copied when it is created) or scopes of its own. */
export const CreateApiKeyBody = z
  .object({
    name: z.string().trim().min(1, 'must not be empty').max(NAME_MAX),
    role: z.enum(ROLES).optional(),
    scopes: z.array(z.enum(SCOPES)).min(1).optional(),
    /** The store of a key with the guide or store_manager role: it sees only that store's customers. */
    storeCode: z.string().trim().min(1).max(64).optional(),
  })
  .refine((b) => (b.role === undefined) !== (b.scopes === undefined), {
    message: 'give either a role or a list of scopes',
    path: ['scopes'],
  })
  .refine((b) => b.storeCode === undefined || b.role === 'guide' || b.role === 'store_manager', {
    message: 'only a key with the guide or store_manager role belongs to a store',
    path: ['storeCode'],
  });
export type CreateApiKeyInput = z.infer<typeof CreateApiKeyBody>;

export const STAFF_SORTS = ['username', 'displayName', 'role', 'createdAt'] as const;
export const API_KEY_SORTS = ['name', 'createdAt', 'lastUsedAt'] as const;

export { ROLES, SCOPES };
