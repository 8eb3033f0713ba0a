/**
 * The chart rasteriser's worker thread (png.ts renderPngOffThread): each message is one SVG and
 * resvg's options; the reply is the PNG's bytes (transferred) or the error's message. resvg's
 * renderAsync parses and draws off the main thread but leaves the PNG encoding (`asPng`, ~50 ms a
 * chart at zoom 2) on it; here all three run beside the review's own work.
 */
import { parentPort } from 'node:worker_threads';
import { Resvg, type ResvgRenderOptions } from '@resvg/resvg-js';

export interface PngRequest {
  id: number;
  svg: string;
  options: ResvgRenderOptions;
}

export type PngReply = { id: number; png: Uint8Array } | { id: number; error: string };

parentPort?.on('message', (m: PngRequest) => {
  let reply: PngReply;
  try {
    // a copy with an ArrayBuffer of its own: transferring the Buffer's might detach a shared pool (or, on newer
    // Node, throw for an untransferable one)
    reply = { id: m.id, png: new Uint8Array(new Resvg(m.svg, m.options).render().asPng()) };
  } catch (e) {
    reply = { id: m.id, error: e instanceof Error ? e.message : String(e) };
  }
  parentPort!.postMessage(reply, 'png' in reply ? [reply.png.buffer as ArrayBuffer] : []);
});
