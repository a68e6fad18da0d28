/** In a browser there is no file system: upload a Blob or bytes, with a name, instead of a path. */
export async function readLocalFile(path: string): Promise<{ bytes: Uint8Array<ArrayBuffer>; name: string }> {
  throw new Error(`Cannot read ${path}: file paths work only under Node; pass a Blob or bytes and a name.`);
}
