import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api } from './api-client';
import type { StaffView } from '../auth/session';
import type { CreateApiKeyInput, CreateStaffInput, UpdateStaffInput } from '../../../src/modules/access/access.contract';

/**
 * Staff accounts, roles and API keys (settings pages). The request bodies' zod schemas are the
 * server's own (src/modules/access/access.contract.ts), bundled by Vite: a form refuses exactly
 * what the API refuses.
 */
export {
  CreateApiKeyBody,
  CreateStaffBody,
  UpdateStaffBody,
  NAME_MAX,
  ROLES,
  SCOPES,
} from '../../../src/modules/access/access.contract';
export type { CreateApiKeyInput, CreateStaffInput, UpdateStaffInput };

export interface StaffAccount extends StaffView {
  disabled: boolean;
  createdAt: string;
}

export interface ApiKey {
  id: string;
  name: string;
  scopes: string[];
  role: string | null;
  /** A guide's or store manager's key: the store whose customers it sees. */
  storeCode?: string | null;
  createdBy: string | null;
  createdAt: string;
  expiresAt: string | null;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

export interface RolesMatrix {
  roles: { role: string; scopes: string[] }[];
  scopes: string[];
}

interface Page<T> {
  items: T[];
  total: number;
}

export const accessKeys = {
  staff: (query: string) => ['access', 'staff', query] as const,
  apiKeys: (query: string) => ['access', 'api-keys', query] as const,
  roles: ['access', 'roles'] as const,
};

/** `query` is the list's URL parameters (page, pageSize, sort, q, filters), as useListParams gives them. */
export function useStaffList(query: string) {
  return useQuery({
    queryKey: accessKeys.staff(query),
    queryFn: ({ signal }) => api<Page<StaffAccount>>(`/api/v1/staff?${query}`, { signal }),
    placeholderData: keepPreviousData,
  });
}

export function useApiKeyList(query: string) {
  return useQuery({
    queryKey: accessKeys.apiKeys(query),
    queryFn: ({ signal }) => api<Page<ApiKey>>(`/api/v1/api-keys?${query}`, { signal }),
    placeholderData: keepPreviousData,
  });
}

export function useRoles() {
  return useQuery({
    queryKey: accessKeys.roles,
    queryFn: ({ signal }) => api<RolesMatrix>('/api/v1/roles', { signal }),
    staleTime: Infinity,
  });
}

function useAccessMutation<V, R>(fn: (v: V) => Promise<R>) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: fn,
    onSuccess: () => client.invalidateQueries({ queryKey: ['access'] }),
  });
}

export const useCreateStaff = () =>
  useAccessMutation((body: CreateStaffInput) => api<{ staff: StaffAccount; password: string }>('/api/v1/staff', { body }));

export function useUpdateStaff() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: ({ username, ...body }: UpdateStaffInput & { username: string }) =>
      api<StaffAccount>(`/api/v1/staff/${encodeURIComponent(username)}`, { method: 'PATCH', body }),
    // Changing one's own name or role changes what the console shows and allows.
    onSuccess: () => Promise.all([client.invalidateQueries({ queryKey: ['access'] }), client.invalidateQueries({ queryKey: ['auth'] })]),
  });
}

export const useResetPassword = () =>
  useAccessMutation((username: string) =>
    api<{ username: string; password: string }>(`/api/v1/staff/${encodeURIComponent(username)}/reset-password`, { method: 'POST', body: {} }),
  );

export const useCreateApiKey = () =>
  useAccessMutation((body: CreateApiKeyInput) => api<{ apiKey: ApiKey; key: string }>('/api/v1/api-keys', { body }));

export const useRevokeApiKey = () =>
  useAccessMutation((id: string) => api<{ apiKey: ApiKey }>(`/api/v1/api-keys/${encodeURIComponent(id)}`, { method: 'DELETE' }));
