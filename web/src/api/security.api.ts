import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api } from './api-client';
import type { ApiKey } from './access.api';

/** API key rotation, the audit log and a customer's privacy requests (export, erasure): administrators' tools. */

export interface RotatedKey {
  apiKey: ApiKey;
  key: string;
  previous: ApiKey;
}

/** POST /api/v1/api-keys/:id/rotate: a new key (shown once); the old one works graceHours more. */
export function useRotateApiKey() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: ({ id, graceHours }: { id: string; graceHours: number }) =>
      api<RotatedKey>(`/api/v1/api-keys/${encodeURIComponent(id)}/rotate`, { body: { graceHours } }),
    onSuccess: () => client.invalidateQueries({ queryKey: ['access'] }),
  });
}

export interface AuditEntry {
  seq: number;
  at: string;
  actor: string;
  action: string;
  targetType: string;
  targetId: string;
  details: Record<string, unknown>;
  prevHash: string;
  hash: string;
}

export interface AuditVerification {
  ok: boolean;
  rows: number;
  headSeq: number | null;
  headHash: string | null;
  firstBadSeq?: number;
  problem?: 'seq_gap' | 'prev_hash_mismatch' | 'hash_mismatch';
  reason?: string;
}

/** The filters and page of GET /api/v1/audit, as the page keeps them in its URL. */
export const AUDIT_FILTERS = ['action', 'actor', 'targetType', 'targetId', 'from', 'to'] as const;

export function useAuditLog(query: Record<string, string | undefined>) {
  return useQuery({
    queryKey: ['audit', 'list', query],
    queryFn: ({ signal }) => api<{ items: AuditEntry[]; nextBefore: number | null }>('/api/v1/audit', { query, signal }),
    placeholderData: keepPreviousData,
  });
}

export function useAuditVerify() {
  return useQuery({
    queryKey: ['audit', 'verify'],
    queryFn: ({ signal }) => api<AuditVerification>('/api/v1/audit/verify', { signal }),
  });
}

export interface ErasureResult {
  customerId: string;
  erasedAt: string;
  scrubbed: Record<string, Record<string, number>>;
}

/** POST /api/v1/customers/:id/erase {reason}. */
export function useEraseCustomer(customerId: string) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (reason: string) => api<ErasureResult>(`/api/v1/customers/${encodeURIComponent(customerId)}/erase`, { body: { reason } }),
    onSuccess: () => Promise.all([client.invalidateQueries({ queryKey: ['customers'] }), client.invalidateQueries({ queryKey: ['audit'] })]),
  });
}

/** GET /api/v1/customers/:id/export, saved as customer-<id>.json (the name the API gives the attachment). */
export function useExportCustomer(customerId: string) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: async () => {
      const doc = await api<{ customerId: string }>(`/api/v1/customers/${encodeURIComponent(customerId)}/export`);
      const url = URL.createObjectURL(new Blob([JSON.stringify(doc, null, 2)], { type: 'application/json' }));
      const a = document.createElement('a');
      a.href = url;
      a.download = `customer-${doc.customerId}.json`;
      document.body.append(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
      return doc.customerId;
    },
    onSuccess: () => client.invalidateQueries({ queryKey: ['audit'] }),
  });
}
