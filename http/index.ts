// The HTTP front end's public surface.
export { createHttpFrontEnd, type HttpFrontEnd, type HttpFrontEndOptions } from './server.ts';
export { HttpParseError, type HttpParseErrorCode } from './http-parse-error.ts';
export { RequestParser, type ParseEvent, type RequestHead } from './request-parser.ts';
export { parseHttpLimits, type HttpLimits } from './limits.ts';
export { installFrontEndGlobals, uninstallFrontEndGlobals } from './globals.ts';
export type { FetchHandler, FrontEndEnv, UpgradeHandler } from './types.ts';
