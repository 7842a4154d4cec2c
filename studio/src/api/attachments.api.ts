import { ApiError, request, upload, type ProblemDetails } from './client';

/** A stored file, as the server describes it. */
export interface AttachmentView {
  id: string;
  name: string;
  contentType: string;
  size: number;
  sha256: string;
  uploadedBy: string;
  at: string;
}

/**
 * Upload files for a ticket not opened yet (an intake form's attachment field): they belong to the uploader until
 * the open that names their ids claims them; unclaimed ones are removed after a day.
 */
export async function uploadIntakeFiles(files: readonly File[]): Promise<AttachmentView[]> {
  const body = new FormData();
  for (const file of files) body.append('file', file, file.name);
  return (await upload<{ items: AttachmentView[] }>('/api/attachments', body)).items;
}

/** The kinds of file the server takes (configured by its operator) and its limits. */
export interface AttachmentKinds {
  types: { type: string; aliases: string[]; extensions: string[] }[];
  maxBytes: number;
  maxFiles: number;
}

export function getAttachmentKinds(): Promise<AttachmentKinds> {
  return request<AttachmentKinds>('/api/attachments/kinds');
}

/** The files of a ticket the reader may see (names, sizes and ids for the download links). */
export async function listTicketAttachments(ticketId: string): Promise<AttachmentView[]> {
  return (
    await request<{ items: AttachmentView[] }>(`/api/tickets/${encodeURIComponent(ticketId)}/attachments`)
  ).items;
}

/** Where a ticket's file is downloaded (the server checks the reader may see the ticket). */
export function attachmentDownloadUrl(ticketId: string, attachmentId: string): string {
  return `/api/tickets/${encodeURIComponent(ticketId)}/attachments/${encodeURIComponent(attachmentId)}`;
}

/**
 * Upload one intake file with its progress (fetch reports none for uploads, so this one request goes through
 * XMLHttpRequest). `onProgress` gets the share sent, 0–1; a refusal is an ApiError like any other, an abort
 * through `signal` rejects with an AbortError.
 */
export function uploadIntakeFile(
  file: File,
  options: { onProgress?: (share: number) => void; signal?: AbortSignal } = {},
): Promise<AttachmentView> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', '/api/attachments');
    xhr.withCredentials = true;
    xhr.setRequestHeader('Accept', 'application/json');
    xhr.setRequestHeader('Accept-Language', document.documentElement.lang || 'zh-CN');
    xhr.upload.onprogress = (event) => {
      if (event.lengthComputable && event.total > 0) options.onProgress?.(event.loaded / event.total);
    };
    xhr.onload = () => {
      let body: unknown;
      try {
        body = xhr.responseText === '' ? undefined : JSON.parse(xhr.responseText);
      } catch {
        body = undefined;
      }
      if (xhr.status >= 200 && xhr.status < 300) {
        const stored = (body as { items?: AttachmentView[] } | undefined)?.items?.[0];
        if (stored) resolve(stored);
        else reject(new ApiError({ status: xhr.status, title: 'Unexpected answer' }));
        return;
      }
      const problem = typeof body === 'object' && body !== null ? (body as Partial<ProblemDetails>) : {};
      reject(new ApiError({ title: xhr.statusText, ...problem, status: xhr.status }));
    };
    xhr.onerror = () => reject(new ApiError({ status: 0, title: 'Network error', detail: 'upload failed' }));
    xhr.onabort = () => reject(new DOMException('The upload was cancelled', 'AbortError'));
    options.signal?.addEventListener('abort', () => xhr.abort(), { once: true });
    const body = new FormData();
    body.append('file', file, file.name);
    xhr.send(body);
  });
}
