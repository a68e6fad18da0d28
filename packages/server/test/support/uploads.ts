import yazl from 'yazl';

/** A real zip holding a minimal Chrome extension manifest. */
export async function extensionZip(): Promise<Buffer> {
  const zip = new yazl.ZipFile();
  zip.addBuffer(Buffer.from(JSON.stringify({ manifest_version: 3, name: 'Test extension', version: '1.0' })), 'manifest.json');
  zip.end();
  const chunks: Buffer[] = [];
  for await (const chunk of zip.outputStream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

export function fileForm(content: string | Buffer, fileName: string, fields: Record<string, string> = {}, partName = 'file'): FormData {
  const form = new FormData();
  for (const [name, value] of Object.entries(fields)) form.append(name, value);
  form.append(partName, new Blob([typeof content === 'string' ? content : new Uint8Array(content)]), fileName);
  return form;
}
