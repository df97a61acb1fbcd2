import { useQuery, useQueryClient, useMutation } from '@tanstack/react-query';
import { api, isApiError } from '../api/api-client';

export interface StaffView {
  id: string;
  username: string;
  displayName: string;
  role: string;
  storeCode: string | null;
  mustChangePassword: boolean;
}

/** GET /api/v1/auth/me */
export interface Me {
  kind: 'staff' | 'apikey';
  id: string;
  name: string;
  role: string | null;
  scopes: string[];
  staff: StaffView | null;
}

export const ME_KEY = ['auth', 'me'] as const;

/** The signed-in person, or null when there is no valid session. */
export function useMe() {
  return useQuery({
    queryKey: ME_KEY,
    queryFn: async () => {
      try {
        return await api<Me>('/api/v1/auth/me');
      } catch (e) {
        if (isApiError(e, 401)) return null;
        throw e;
      }
    },
    staleTime: 5 * 60_000,
    retry: false,
  });
}

/** What the console shows follows the role's scopes; the API refuses the rest anyway. */
export function can(me: Me | null | undefined, scope: string): boolean {
  return !!me && me.scopes.includes(scope);
}

export function useSignIn() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (body: { username: string; password: string }) => api('/api/v1/auth/login', { body }),
    onSuccess: async () => {
      client.removeQueries({ predicate: (q) => q.queryKey[0] !== ME_KEY[0] });
      await client.invalidateQueries({ queryKey: ME_KEY });
    },
  });
}

export function useSignOut() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: () => api('/api/v1/auth/logout', { method: 'POST', body: {} }),
    onSettled: () => {
      client.setQueryData(ME_KEY, null);
      // Nothing of the previous person's data may linger for whoever signs in next.
      client.removeQueries({ predicate: (q) => q.queryKey[0] !== ME_KEY[0] });
    },
  });
}

export function useChangePassword() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (body: { currentPassword: string; newPassword: string }) => api('/api/v1/auth/password', { body }),
    onSuccess: () => client.invalidateQueries({ queryKey: ME_KEY }),
  });
}
