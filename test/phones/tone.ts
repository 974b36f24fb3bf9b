// Test audio: tone/silence WAVs made with sox, and an analyser that reads a recorded WAV and finds
// its dominant frequency and level by itself (RIFF parser + Goertzel), so a test can check that a
// tone really crossed the call rather than trusting a log line.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';

function sox(args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile('sox', args, { timeout: 20_000 }, (err, _stdout, stderr) => {
      if (err) reject(new Error(`sox ${args.join(' ')} failed: ${err.message}\n${stderr}`));
      else resolve();
    });
  });
}

export interface ToneOptions {
  /** Hz; default 440. */
  frequency?: number;
  /** Default 5 s. A baresip `aufile` source ends the call at end of file: make it longer than the call. */
  seconds?: number;
  /** Default 8000 (what baresip's aufile with G.711 expects). */
  sampleRate?: number;
  /** Linear amplitude 0..1; default 0.5. */
  amplitude?: number;
}

/** Writes a mono 16-bit sine WAV with sox. */
export async function makeTone(path: string, opts: ToneOptions = {}): Promise<string> {
  const { frequency = 440, seconds = 5, sampleRate = 8000, amplitude = 0.5 } = opts;
  await sox(['-n', '-r', String(sampleRate), '-c', '1', '-b', '16', path, 'synth', String(seconds), 'sine', String(frequency), 'vol', String(amplitude)]);
  return path;
}

/** Writes a mono 16-bit silent WAV with sox. */
export async function makeSilence(path: string, seconds = 60, sampleRate = 8000): Promise<string> {
  await sox(['-n', '-r', String(sampleRate), '-c', '1', '-b', '16', path, 'trim', '0', String(seconds)]);
  return path;
}

export interface Wav {
  sampleRate: number;
  channels: number;
  /** First channel, scaled to -1..1. */
  samples: Float32Array;
}

/**
 * Parses a WAV (PCM 8/16/32-bit, 32-bit float, G.711 µ-law/A-law). Tolerates a header whose sizes were never
 * finalised (a recording still being written): the data chunk then runs to the end of the file.
 */
export function parseWav(buf: Buffer): Wav {
  if (buf.length < 12 || buf.toString('ascii', 0, 4) !== 'RIFF' || buf.toString('ascii', 8, 12) !== 'WAVE') {
    throw new Error('not a RIFF/WAVE file');
  }
  let off = 12;
  let fmt: { format: number; channels: number; sampleRate: number; bits: number } | undefined;
  while (off + 8 <= buf.length) {
    const id = buf.toString('ascii', off, off + 4);
    const size = buf.readUInt32LE(off + 4);
    const body = off + 8;
    if (id === 'fmt ') {
      let format = buf.readUInt16LE(body);
      if (format === 0xfffe && size >= 26) format = buf.readUInt16LE(body + 24); // WAVE_FORMAT_EXTENSIBLE
      fmt = { format, channels: buf.readUInt16LE(body + 2), sampleRate: buf.readUInt32LE(body + 4), bits: buf.readUInt16LE(body + 14) };
    } else if (id === 'data') {
      if (!fmt) throw new Error('WAV data chunk before fmt chunk');
      const end = size === 0 || body + size > buf.length ? buf.length : body + size;
      return { sampleRate: fmt.sampleRate, channels: fmt.channels, samples: decode(buf.subarray(body, end), fmt) };
    }
    off = body + size + (size % 2);
  }
  throw new Error('WAV has no data chunk');
}

function decode(data: Buffer, fmt: { format: number; channels: number; bits: number }): Float32Array {
  const width = fmt.bits / 8;
  const frame = width * fmt.channels;
  const n = Math.floor(data.length / frame);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const o = i * frame;
    if (fmt.format === 3 && fmt.bits === 32) out[i] = data.readFloatLE(o);
    else if (fmt.format === 1 && fmt.bits === 16) out[i] = data.readInt16LE(o) / 32768;
    else if (fmt.format === 1 && fmt.bits === 8) out[i] = (data.readUInt8(o) - 128) / 128;
    else if (fmt.format === 1 && fmt.bits === 32) out[i] = data.readInt32LE(o) / 2147483648;
    else if (fmt.format === 7 && fmt.bits === 8) out[i] = ulawToLinear(data.readUInt8(o)) / 32768;
    else if (fmt.format === 6 && fmt.bits === 8) out[i] = alawToLinear(data.readUInt8(o)) / 32768;
    else throw new Error(`unsupported WAV format ${fmt.format}/${fmt.bits}-bit`);
  }
  return out;
}

/** G.711 µ-law byte to 16-bit linear. */
export function ulawToLinear(u: number): number {
  const v = ~u & 0xff;
  const t = (((v & 0x0f) << 3) + 0x84) << ((v & 0x70) >> 4);
  return v & 0x80 ? 0x84 - t : t - 0x84;
}

/** G.711 A-law byte to 16-bit linear. */
export function alawToLinear(a: number): number {
  const v = a ^ 0x55;
  const seg = (v & 0x70) >> 4;
  let t = (v & 0x0f) << 4;
  t = seg === 0 ? t + 8 : seg === 1 ? t + 0x108 : (t + 0x108) << (seg - 1);
  return v & 0x80 ? t : -t;
}

export function readWav(path: string): Wav {
  return parseWav(readFileSync(path));
}

/** `x` multiplied by a Hann window. */
export function hannWindow(x: Float32Array): Float64Array {
  const n = x.length;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = (x[i] ?? 0) * (0.5 - 0.5 * Math.cos((2 * Math.PI * i) / (n - 1 || 1)));
  return out;
}

/**
 * Power of `freq` in the Hann-windowed block `xw` (Goertzel), normalised so that a sine of
 * amplitude A gives about A²/4 (a full-scale sine: 0.25).
 */
export function goertzelPower(xw: Float64Array, sampleRate: number, freq: number): number {
  const n = xw.length;
  if (n === 0) return 0;
  const coeff = 2 * Math.cos((2 * Math.PI * freq) / sampleRate);
  let s1 = 0;
  let s2 = 0;
  for (let i = 0; i < n; i++) {
    const s0 = (xw[i] ?? 0) + coeff * s1 - s2;
    s2 = s1;
    s1 = s0;
  }
  const power = s1 * s1 + s2 * s2 - coeff * s1 * s2;
  // Hann coherent gain 0.5: amplitude A gives |X| = A·n/4, so |X|²/(n/2)² = A²/4.
  return power / ((n / 2) * (n / 2));
}

export interface ToneAnalysis {
  /** Seconds of audio in the file. */
  duration: number;
  /** RMS (0..1 full scale) of the analysed middle part. */
  rms: number;
  /** Frequency (Hz) with the most energy in the analysed part, to ~1 Hz. */
  dominantHz: number;
  /** Power at `expectedHz` (when given). */
  targetPower?: number;
  /** Highest power at least `guardHz` away from `expectedHz` (when given). */
  otherMaxPower?: number;
  /** 10·log10(targetPower / otherMaxPower). */
  snrDb?: number;
}

export interface AnalyseOptions {
  /** Fraction of the file where analysis starts/ends; default the middle: 0.25..0.75. */
  from?: number;
  to?: number;
  /** At most this many samples (centred) go into the spectrum; default 8000. */
  maxSamples?: number;
  /** The tone expected; adds targetPower/otherMaxPower/snrDb. */
  expectedHz?: number;
  /** How far from expectedHz "other" bins start; default 30 Hz. */
  guardHz?: number;
  /** Lowest/highest frequency scanned; default 50 Hz .. Nyquist-50. */
  minHz?: number;
  maxHz?: number;
}

/** Dominant frequency and level of the middle part of `wav` (a coarse 5 Hz scan, refined to 0.5 Hz). */
export function analyseTone(wav: Wav, opts: AnalyseOptions = {}): ToneAnalysis {
  const { from = 0.25, to = 0.75, maxSamples = 8000, guardHz = 30, minHz = 50 } = opts;
  const maxHz = opts.maxHz ?? wav.sampleRate / 2 - 50;
  const all = wav.samples;
  let a = Math.floor(all.length * from);
  let b = Math.floor(all.length * to);
  if (b - a > maxSamples) {
    const mid = Math.floor((a + b) / 2);
    a = mid - Math.floor(maxSamples / 2);
    b = a + maxSamples;
  }
  const x = all.subarray(a, b);
  let sq = 0;
  for (const v of x) sq += v * v;
  const rms = x.length ? Math.sqrt(sq / x.length) : 0;

  const xw = hannWindow(x);
  const spectrum: Array<[number, number]> = [];
  for (let f = minHz; f <= maxHz; f += 5) spectrum.push([f, goertzelPower(xw, wav.sampleRate, f)]);
  let best: [number, number] = [0, -1];
  for (const bin of spectrum) if (bin[1] > best[1]) best = bin;
  for (let f = best[0] - 5; f <= best[0] + 5; f += 0.5) {
    const p = goertzelPower(xw, wav.sampleRate, f);
    if (p > best[1]) best = [f, p];
  }
  const result: ToneAnalysis = { duration: all.length / wav.sampleRate, rms, dominantHz: best[0] };
  if (opts.expectedHz !== undefined) {
    const target = opts.expectedHz;
    let targetPower = 0;
    for (let f = target - 3; f <= target + 3; f += 0.5) targetPower = Math.max(targetPower, goertzelPower(xw, wav.sampleRate, f));
    let other = 0;
    for (const [f, p] of spectrum) if (Math.abs(f - target) >= guardHz && p > other) other = p;
    result.targetPower = targetPower;
    result.otherMaxPower = other;
    result.snrDb = 10 * Math.log10(targetPower / Math.max(other, 1e-20));
  }
  return result;
}

/** readWav + analyseTone. */
export function analyseWavFile(path: string, opts: AnalyseOptions = {}): ToneAnalysis {
  return analyseTone(readWav(path), opts);
}
