import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, ApiError, type ApiErrorBody } from './api-client';

export type ImportKind = 'customers' | 'orders' | 'returns' | 'events' | 'products' | 'stores';
export const IMPORT_KINDS: ImportKind[] = ['customers', 'orders', 'returns', 'events', 'products', 'stores'];

/** A target field's rule, as `kemai import --mapping` takes it: a column name or a rule object. */
export type FieldRule = string | { column?: string; const?: string | number | boolean; sum?: string[]; [k: string]: unknown };

export interface MappingSpec {
  fields: Record<string, FieldRule>;
  skip?: Array<{ where: Record<string, string>; reason: string }>;
  encoding?: string;
  delimiter?: string;
  format?: 'csv' | 'ndjson';
}

export interface KindInfo {
  kind: ImportKind;
  scope: string;
  fields: Array<{ name: string; type: string; required: boolean }>;
  open: string[];
}

export interface PresetInfo {
  name: string;
  kind: ImportKind;
  description: string;
  mapping: MappingSpec;
}

export interface UploadView {
  id: string;
  name: string;
  size: number;
  format: 'csv' | 'ndjson';
  compressed: boolean;
  encoding: string;
  delimiter: string;
  header: string[];
  preview: Array<{ line: number; values: string[] }>;
  problems: Array<{ line: number; field: string; reason: string }>;
  suggestedMapping: { kind: ImportKind | null; preset: string | null; mapping: MappingSpec };
  suggestedByKind: Record<ImportKind, Record<string, string>>;
}

export interface ImportStatus {
  id: string;
  name: string;
  size: number;
  format: 'csv' | 'ndjson';
  status: 'uploaded' | 'running' | 'completed' | 'failed';
  kind: ImportKind | null;
  preset: string | null;
  phase: 'read' | 'write' | 'done' | null;
  rows: { read: number; imported: number; skipped: number; failed: number };
  records: { created: number; updated: number; unchanged: number };
  fraction: number;
  rowsPerSecond: number | null;
  seconds: number | null;
  error: string | null;
  uploadedAt: string;
  uploadedBy: string;
  startedAt: string | null;
  finishedAt: string | null;
}

export function useImportKinds() {
  return useQuery({
    queryKey: ['imports', 'kinds'],
    queryFn: ({ signal }) => api<{ kinds: KindInfo[]; presets: PresetInfo[] }>('/api/v1/imports/kinds', { signal }),
    staleTime: Infinity,
  });
}

export function useImports(query: string) {
  return useQuery({
    queryKey: ['imports', 'list', query],
    queryFn: ({ signal }) => api<{ items: ImportStatus[]; total: number }>(`/api/v1/imports?${query}`, { signal }),
    refetchInterval: (q) => (q.state.data?.items.some((i) => i.status === 'running') ? 2000 : false),
  });
}

export function useImportPreview(id: string | undefined) {
  return useQuery({
    queryKey: ['imports', 'preview', id],
    queryFn: ({ signal }) => api<UploadView>(`/api/v1/imports/${id}/preview`, { signal }),
    enabled: !!id,
    staleTime: Infinity,
  });
}

/** Polls while the import runs (every 700 ms), then stops. */
export function useImportStatus(id: string | undefined) {
  const client = useQueryClient();
  return useQuery({
    queryKey: ['imports', 'status', id],
    queryFn: async ({ signal }) => {
      const s = await api<ImportStatus>(`/api/v1/imports/${id}`, { signal });
      if (s.status !== 'running') void client.invalidateQueries({ queryKey: ['imports', 'list'] });
      return s;
    },
    enabled: !!id,
    refetchInterval: (q) => (q.state.data?.status === 'running' ? 700 : false),
  });
}

export function useStartImport(id: string | undefined) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (body: { kind: ImportKind; preset?: string; mapping: MappingSpec }) =>
      api<ImportStatus>(`/api/v1/imports/${id}/start`, { body }),
    onSuccess: (s) => {
      client.setQueryData(['imports', 'status', id], s);
      void client.invalidateQueries({ queryKey: ['imports', 'list'] });
    },
  });
}

/** The file itself as the request body, with upload progress (fetch cannot report it). */
export function uploadFile(file: File, onProgress: (fraction: number) => void): Promise<UploadView> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', `/api/v1/imports?name=${encodeURIComponent(file.name)}`);
    const type = /\.gz$/i.test(file.name) ? 'application/gzip' : /\.(ndjson|jsonl)$/i.test(file.name) ? 'application/x-ndjson' : 'text/csv';
    xhr.setRequestHeader('content-type', type);
    xhr.setRequestHeader('accept', 'application/json');
    xhr.upload.onprogress = (e) => {
      if (e.lengthComputable) onProgress(e.loaded / Math.max(1, e.total));
    };
    xhr.onload = () => {
      let data: unknown;
      try {
        data = JSON.parse(xhr.responseText);
      } catch {
        data = undefined;
      }
      if (xhr.status >= 200 && xhr.status < 300) resolve(data as UploadView);
      else {
        const body = (data as { error?: ApiErrorBody } | undefined)?.error ?? { code: `http_${xhr.status}`, message: xhr.statusText };
        reject(new ApiError(xhr.status, body));
      }
    };
    xhr.onerror = () => reject(new Error('network'));
    xhr.send(file);
  });
}
