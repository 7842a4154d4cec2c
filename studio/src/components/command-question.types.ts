import type { SurveyRating, TicketCommandInput } from '../api/types';

/** What the ticket actions ask before a command: a title, an optional comment or rating, and the command to send. */
export interface CommandQuestion {
  title: string;
  text?: string;
  commentLabel?: string;
  rating?: boolean;
  danger?: boolean;
  confirmLabel: string;
  testId: string;
  build: (comment: string, rating: SurveyRating | undefined) => TicketCommandInput;
}
