import { escapeHtml } from './escape-html.js';
import { sendHtml } from './http-responses.js';
import { boundaryFromContentType, MultipartParseError, parseMultipart } from './multipart-parser.js';
import { renderPage } from './page-layout.js';
import { readBody } from './request-body.js';
import type { SiteContext, SiteRoute } from './site-context.js';

const brand = 'DocDrop';

function renderUploadPage(context: SiteContext, message: string, status: number): void {
  const body = `<h1>Upload a document</h1>
<p>PDF, images or text files up to 10 MB.</p>
${message}
<form method="post" action="/upload" enctype="multipart/form-data" aria-label="Upload">
  <label for="document">Document</label>
  <input type="file" id="document" name="document">
  <label for="note">Note (optional)</label>
  <input type="text" id="note" name="note">
  <p><button type="submit">Upload</button></p>
</form>`;
  sendHtml(context.response, renderPage(context, { title: 'Upload – DocDrop', brand, body }), status);
}

async function receiveUpload(context: SiteContext): Promise<void> {
  let parts;
  try {
    parts = parseMultipart(await readBody(context.request), boundaryFromContentType(context.request.headers['content-type']));
  } catch (error) {
    if (!(error instanceof MultipartParseError)) throw error;
    renderUploadPage(context, `<p class="error" role="alert">The upload could not be read: ${escapeHtml(error.message)}.</p>`, 400);
    return;
  }
  const files = parts.filter((part) => part.fileName !== undefined && part.fileName !== '');
  if (files.length === 0) {
    renderUploadPage(context, '<p class="error" role="alert">Choose a file to upload.</p>', 400);
    return;
  }
  const received = files.map((file) => {
    context.state.records.uploads.push({ fieldName: file.name, fileName: file.fileName ?? '', bytes: Buffer.from(file.data) });
    return `<li>Received ${escapeHtml(file.fileName ?? '')} (${file.data.length} bytes)</li>`;
  });
  const body = `<h1>Upload complete</h1>
<ul id="received">${received.join('')}</ul>
<p><a href="/upload">Upload another file</a></p>`;
  sendHtml(context.response, renderPage(context, { title: 'Upload complete – DocDrop', brand, body }));
}

export const uploadRoutes: SiteRoute[] = [
  { method: 'GET', path: '/upload', handle: (context) => renderUploadPage(context, '', 200) },
  { method: 'POST', path: '/upload', handle: receiveUpload },
];
