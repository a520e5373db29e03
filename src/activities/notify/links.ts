import { surveyLink, surveyToken } from '../../support/links';

/** Turns a notification's text into what is sent: placeholders become what only the sender may know. */
export type TextRenderer = (text: string) => string;

/** `{{survey-link <surveyId> <respondentId>}}`, as the survey's invitations and reminders carry it. */
const SURVEY_LINK_PLACEHOLDER = /\{\{survey-link ([A-Za-z0-9][A-Za-z0-9_-]{0,63}) ([A-Za-z0-9][A-Za-z0-9._-]{0,70})\}\}/g;

/**
 * Replaces each survey-link placeholder by the respondent's personal link, signed at send time: the event store holds
 * no usable link, and a resend signs the same one. The rendered text is never logged (it carries the link).
 */
export function surveyLinkRenderer(settings: { secret: string; baseUrl: string }): TextRenderer {
  return (text) => text.replace(SURVEY_LINK_PLACEHOLDER, (_m, surveyId: string, respondentId: string) => surveyLink(settings.baseUrl, surveyToken(settings.secret, surveyId, respondentId)));
}
