// Where a packaged app keeps a file that another process must open: electron-builder's asarUnpack copies it
// beside app.asar, into app.asar.unpacked, since only Electron itself reads inside the archive.

/** The path of `path` outside app.asar; unchanged when the app is not packaged. */
export function unpackedPath(path: string): string {
  return path.replace(/([\\/])app\.asar(?=[\\/])/, '$1app.asar.unpacked')
}
