import { upload } from './client';

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
