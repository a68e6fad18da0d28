/**
 * Every blob key the server writes, in one place. Ids are server-made and names are cleaned before
 * they get here, so each part is a safe key segment; the filesystem store lays them out under the
 * data directory exactly as the server kept its files before keys existed.
 */
export const blobKeys = {
  file: (fileId: string, fileName: string) => `files/${fileId}/${fileName}`,
  fileFolder: (fileId: string) => `files/${fileId}/`,
  extension: (extensionId: string, fileName: string) => `extensions/${extensionId}/${fileName}`,
  extensionFolder: (extensionId: string) => `extensions/${extensionId}/`,
  profileState: (tenant: string, profileId: string) => `profiles/${tenant}/${profileId}/storage-state.sealed`,
  profileFolder: (tenant: string, profileId: string) => `profiles/${tenant}/${profileId}/`,
  /** Everything a task leaves (downloads, screenshots, recording): erased together. */
  taskFolder: (taskId: string) => `tasks/${taskId}/`,
  download: (taskId: string, index: number, fileName: string) => `tasks/${taskId}/downloads/${index}-${safeSegment(fileName)}`,
  stepScreenshot: (taskId: string, fileName: string) => `tasks/${taskId}/steps/${safeSegment(fileName)}`,
  /** The recorder's frames, packed into one blob until the video is encoded (see recording-blobs.ts). */
  recordingFrames: (taskId: string) => `tasks/${taskId}/recording/frames.bin`,
  recordingManifest: (taskId: string) => `tasks/${taskId}/recording/manifest.json`,
  recordingVideo: (taskId: string) => `tasks/${taskId}/recording.mp4`,
};

/** A name a site or page chose (a download's suggested name) made into one key segment. */
export function safeSegment(name: string): string {
  const cleaned = name.replace(/[\\/\u0000-\u001f\u007f]/g, '_').trim().slice(0, 200);
  return cleaned === '' || cleaned === '.' || cleaned === '..' ? 'file' : cleaned;
}
