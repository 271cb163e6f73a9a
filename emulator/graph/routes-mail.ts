import { z } from 'zod';
import { graphError, json, parseJson, type EmuResponse } from '../http.js';
import { accessDenied, hasPermission, PERMISSIONS } from './auth.js';
import { deltaResponse } from './delta-response.js';
import { syncStateNotFound } from './faults.js';
import { checkState, parseGraphDateTime, stateToken } from './graph-query.js';
import { userOf, type GraphHandler, type GraphRequest } from './graph-request.js';
import { bodyPreview } from './mailbox-seed.js';
import { FolderExistsError } from './mailbox.js';
import { initialMessageState, messageDeltaPage } from './message-delta.js';
import { MESSAGE_PROPERTIES, messageResource, parseMessageExpand } from './message-view.js';
import type { GraphPipeline } from './pipeline.js';
import { preferenceApplied } from './prefer.js';
import { parseSelect, project } from './select.js';

/**
 * Mail folders (list, get, create, child folders), per-folder message delta, single messages, message
 * move and sendMail. Folder creation follows "Create mailFolder" / "Create child folder" (201, a
 * sibling's name again is 409 ErrorFolderExists); move follows "message: move" (201 with the message in
 * its new folder, `destinationId` a folder id or well-known name).
 */

function canReadMail(req: GraphRequest): boolean {
  return hasPermission(req.caller, PERMISSIONS.readMail.scopes, PERMISSIONS.readMail.roles);
}

function folderNotFound(): EmuResponse {
  return graphError(404, 'ErrorItemNotFound', 'The specified object was not found in the store.');
}

/** `$select` and `$expand` of a message request, or Graph's 400 for either. */
function messageShape(req: GraphRequest): { select: string[] | null; expand: boolean } | EmuResponse {
  const select = parseSelect(
    req.url.searchParams.get('$select'),
    MESSAGE_PROPERTIES,
    'microsoft.graph.message',
  );
  if ('error' in select) return graphError(400, 'RequestBroker--ParseUri', select.error);
  const expand = parseMessageExpand(req.url.searchParams.get('$expand'));
  if (expand === undefined) {
    return graphError(
      400,
      'RequestBroker--ParseUri',
      'Only singleValueExtendedProperties can be expanded here.',
    );
  }
  return { select: select.fields, expand };
}

const listFolders: GraphHandler = (req) => {
  if (!canReadMail(req)) return accessDenied();
  const mailbox = req.ctx.mailboxes.mailbox(userOf(req).id);
  const value = mailbox.folders();
  req.itemCount = value.length;
  return json(200, { '@odata.context': `${req.ctx.origin}/v1.0/$metadata#mailFolders`, value });
};

const getFolder: GraphHandler = (req) => {
  if (!canReadMail(req)) return accessDenied();
  const mailbox = req.ctx.mailboxes.mailbox(userOf(req).id);
  const folder = mailbox.resolveFolder(req.params['folder']!);
  if (!folder) return folderNotFound();
  return json(200, {
    '@odata.context': `${req.ctx.origin}/v1.0/$metadata#mailFolders/$entity`,
    ...mailbox.folder(folder),
  });
};

function canWriteMail(req: GraphRequest): boolean {
  return hasPermission(req.caller, PERMISSIONS.writeMail.scopes, PERMISSIONS.writeMail.roles);
}

const folderBody = z.object({
  displayName: z.string().trim().min(1).max(255),
  isHidden: z.boolean().optional(),
});

function createFolderUnder(req: GraphRequest, parentIdOrName: string): EmuResponse {
  if (!canWriteMail(req)) return accessDenied();
  const mailbox = req.ctx.mailboxes.mailbox(userOf(req).id);
  const parent = mailbox.resolveParent(parentIdOrName);
  if (!parent) return folderNotFound();
  const body = folderBody.safeParse(parseJson(req.body));
  if (!body.success)
    return graphError(400, 'ErrorInvalidRequest', 'The request body must give a non-empty displayName.');
  try {
    const key = mailbox.createFolder(body.data.displayName, parent, body.data.isHidden ?? false);
    return json(201, {
      '@odata.context': `${req.ctx.origin}/v1.0/$metadata#mailFolders/$entity`,
      ...mailbox.folder(key),
    });
  } catch (err) {
    if (err instanceof FolderExistsError) return graphError(409, 'ErrorFolderExists', err.message);
    throw err;
  }
}

const createFolder: GraphHandler = (req) => createFolderUnder(req, 'msgfolderroot');

const createChildFolder: GraphHandler = (req) => createFolderUnder(req, req.params['folder']!);

const listChildFolders: GraphHandler = (req) => {
  if (!canReadMail(req)) return accessDenied();
  const mailbox = req.ctx.mailboxes.mailbox(userOf(req).id);
  const folder = mailbox.resolveParent(req.params['folder']!);
  if (!folder) return folderNotFound();
  const value = mailbox.childFolders(folder);
  req.itemCount = value.length;
  return json(200, { '@odata.context': `${req.ctx.origin}/v1.0/$metadata#mailFolders`, value });
};

const moveBody = z.object({ destinationId: z.string().min(1) });

const moveMessage: GraphHandler = (req) => {
  if (!canWriteMail(req)) return accessDenied();
  const mailbox = req.ctx.mailboxes.mailbox(userOf(req).id);
  const record = mailbox.messages.find(req.params['id']!);
  if (!record) return folderNotFound();
  const body = moveBody.safeParse(parseJson(req.body));
  if (!body.success)
    return graphError(400, 'ErrorInvalidRequest', 'The request body must give a destinationId.');
  const destination = mailbox.resolveFolder(body.data.destinationId);
  if (!destination) return folderNotFound();
  const moved = mailbox.messages.move(record.key, destination, req.ctx.mailboxes.now());
  return json(
    201,
    {
      '@odata.context': `${req.ctx.origin}/v1.0/$metadata#messages/$entity`,
      ...messageResource(mailbox, moved, req.prefs.immutableIds, false),
    },
    preferenceApplied([req.prefs.immutableIds ? 'IdType="ImmutableId"' : undefined]),
  );
};

const messagesDelta: GraphHandler = (req) => {
  if (!canReadMail(req)) return accessDenied();
  const user = userOf(req);
  const mailbox = req.ctx.mailboxes.mailbox(user.id);
  const folder = mailbox.resolveFolder(req.params['folder']!);
  if (!folder) return folderNotFound();
  const { faults } = req.runtime;
  const token = stateToken(req);
  let state;
  if (token) {
    if (faults.takeSyncStateGone(user.id, (named) => mailbox.resolveFolder(named) === folder))
      return syncStateNotFound(faults.get(user.id).syncStateGoneStatus);
    const checked = checkState(token, 'messages', mailbox);
    if ('status' in checked) return checked;
    if (checked.folder !== folder)
      return graphError(400, 'ErrorInvalidUrlQuery', 'The state token belongs to another folder.');
    state = checked;
  } else {
    const shape = messageShape(req);
    if ('status' in shape) return shape;
    const { select, expand } = shape;
    const filter = req.url.searchParams.get('$filter');
    let since: number | null = null;
    let inclusive = true;
    if (filter !== null) {
      const m = /^\s*receivedDateTime\s+(ge|gt)\s+(\S+)\s*$/i.exec(filter);
      const at = m ? parseGraphDateTime(m[2]!) : undefined;
      if (!m || at === undefined) {
        return graphError(
          400,
          'ErrorInvalidUrlQueryFilter',
          'The delta query supports only $filter=receivedDateTime ge|gt {dateTime}.',
        );
      }
      since = at;
      inclusive = m[1]!.toLowerCase() === 'ge';
    }
    state = initialMessageState(mailbox, folder, {
      select,
      since,
      inclusive,
      expandSensitivity: expand,
    });
  }
  const expandAnswer = faults.get(user.id).deltaExpand;
  if (state.expandSensitivity && expandAnswer === 'refused')
    return graphError(500, 'InternalServerError', 'Value cannot be null.\r\nParameter name: type');
  // const, so the page callback sees the narrowed type
  const round =
    state.expandSensitivity && expandAnswer === 'dropped' ? { ...state, expandSensitivity: false } : state;
  return deltaResponse(req, 'message', round, (options) => messageDeltaPage(mailbox, round, options));
};

const getMessage: GraphHandler = (req) => {
  if (!canReadMail(req)) return accessDenied();
  const mailbox = req.ctx.mailboxes.mailbox(userOf(req).id);
  const record = mailbox.messages.find(req.params['id']!);
  if (!record)
    return graphError(404, 'ErrorItemNotFound', 'The specified object was not found in the store.');
  const shape = messageShape(req);
  if ('status' in shape) return shape;
  const { select, expand } = shape;
  const resource = project(messageResource(mailbox, record, req.prefs.immutableIds, expand), select);
  return json(
    200,
    { '@odata.context': `${req.ctx.origin}/v1.0/$metadata#messages/$entity`, ...resource },
    preferenceApplied([req.prefs.immutableIds ? 'IdType="ImmutableId"' : undefined]),
  );
};

const recipientSchema = z.object({
  emailAddress: z.object({ address: z.string().email(), name: z.string().optional() }).passthrough(),
});

export const sendMailSchema = z.object({
  message: z
    .object({
      subject: z.string().max(255).default(''),
      body: z
        .object({ contentType: z.enum(['text', 'html', 'Text', 'HTML']), content: z.string() })
        .optional(),
      toRecipients: z.array(recipientSchema).default([]),
      ccRecipients: z.array(recipientSchema).default([]),
      bccRecipients: z.array(recipientSchema).default([]),
      importance: z.enum(['low', 'normal', 'high']).optional(),
    })
    .passthrough(),
  saveToSentItems: z.boolean().default(true),
});

const sendMail: GraphHandler = (req) => {
  if (!hasPermission(req.caller, PERMISSIONS.sendMail.scopes, PERMISSIONS.sendMail.roles))
    return accessDenied();
  const parsed = sendMailSchema.safeParse(parseJson(req.body));
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    return graphError(
      400,
      'ErrorInvalidRequest',
      `Invalid sendMail request: ${issue.path.join('.')}: ${issue.message}`,
    );
  }
  const { message, saveToSentItems } = parsed.data;
  const recipients = [...message.toRecipients, ...message.ccRecipients, ...message.bccRecipients];
  if (recipients.length === 0) {
    return graphError(
      400,
      'ErrorInvalidRecipients',
      "At least one recipient is not valid., A message can't be sent because it contains no recipients.",
    );
  }
  const user = userOf(req);
  const ctx = req.ctx;
  const nowMs = ctx.mailboxes.now();
  const at = new Date(nowMs).toISOString().replace(/\.\d+Z$/, 'Z');
  const from = { emailAddress: { address: user.mail, name: user.displayName } };
  const contentType = message.body?.contentType.toLowerCase() === 'html' ? 'html' : 'text';
  const content = message.body?.content ?? '';
  const internetMessageId = `<${crypto.randomUUID().replace(/-/g, '')}@${user.mail.split('@')[1]}>`;
  const fields = {
    subject: message.subject,
    body: { contentType, content } as const,
    bodyPreview: bodyPreview(content, contentType),
    from,
    sender: from,
    toRecipients: message.toRecipients,
    ccRecipients: message.ccRecipients,
    bccRecipients: message.bccRecipients,
    replyTo: [],
    receivedDateTime: at,
    sentDateTime: at,
    isRead: true,
    isDraft: false,
    importance: message.importance ?? 'normal',
    hasAttachments: false,
    categories: [],
    internetMessageId,
    conversationId: `AAQkA${Buffer.from(internetMessageId).toString('base64url')}`,
    inferenceClassification: 'focused' as const,
    flag: { flagStatus: 'notFlagged' as const },
  };
  const mailbox = ctx.mailboxes.mailbox(user.id);
  const sent = saveToSentItems ? mailbox.messages.add('sentitems', fields, 'normal', nowMs) : undefined;
  mailbox.sentMail.push({
    sentDateTime: at,
    message: { ...fields, toRecipients: message.toRecipients },
    saveToSentItems,
    ...(sent ? { sentItemId: mailbox.messages.ids(sent).regular } : {}),
  });
  // Recipients who are emulator users get the message in their inbox, like a real tenant delivers it.
  for (const r of recipients) {
    const recipient = ctx.directory.findUserByUpn(r.emailAddress.address);
    if (!recipient) continue;
    ctx.mailboxes.mailbox(recipient.id).messages.add('inbox', { ...fields, isRead: false }, 'normal', nowMs);
  }
  return { status: 202, headers: {} };
};

export function registerMailRoutes(pipeline: GraphPipeline): void {
  pipeline
    .user('GET', '/mailFolders', listFolders)
    .user('POST', '/mailFolders', createFolder)
    .user('GET', '/mailFolders/{folder}', getFolder)
    .user('GET', '/mailFolders/{folder}/childFolders', listChildFolders)
    .user('POST', '/mailFolders/{folder}/childFolders', createChildFolder)
    .user('POST', '/messages/{id}/move', moveMessage)
    .user('POST', '/mailFolders/{folder}/messages/{id}/move', moveMessage)
    .user('GET', '/mailFolders/{folder}/messages/delta', messagesDelta)
    .user('GET', '/messages/{id}', getMessage)
    .user('GET', '/mailFolders/{folder}/messages/{id}', getMessage)
    .user('POST', '/sendMail', sendMail);
}
