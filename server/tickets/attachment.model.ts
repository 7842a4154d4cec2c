/** Files attached to tickets: their records in `attachments`; the files lie under `<data>/attachments`. */
export const ATTACHMENTS_COLLECTION = 'attachments';

export interface AttachmentDoc {
  _id: string;
  /** The ticket it belongs to; `''` for a file uploaded for a ticket not opened yet (see intake-references.ts). */
  ticketId: string;
  /** Where the file lies under the attachments folder when not at `<ticketId>/<id>` (`intake/<id>`). */
  file?: string;
  name: string;
  contentType: string;
  size: number;
  sha256: string;
  uploadedBy: string;
  at: Date;
}
