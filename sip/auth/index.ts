// SIP digest authentication: the public surface. Server: DigestVerifier. Client: answerChallenge.
// Headers: the Digest challenge/credentials readers and writers.
export { answerChallenge, type AnswerChallengeInput, type ChallengeAnswer } from './answer-challenge.ts';
export { authRoleFor, PROXY_ROLE, REGISTRAR_ROLE, type AuthRole } from './auth-role.ts';
export { DIGEST_ALGORITHMS, parseDigestAlgorithm, type DigestAlgorithm, type DigestHash } from './digest-algorithm.ts';
export { formatDigestChallenge, parseDigestChallenge, type DigestChallenge, type DigestChallengeInput } from './digest-challenge.ts';
export { formatDigestCredentials, parseDigestCredentials, type DigestCredentials, type DigestCredentialsInput } from './digest-credentials.ts';
export { DigestError, type DigestErrorCode } from './digest-error.ts';
export { DEFAULT_DIGEST_LIMITS, type DigestLimits } from './digest-limits.ts';
export { parseDigestParams, type DigestParams } from './digest-param-parser.ts';
export { formatDigestParams, type DigestParamKind } from './digest-param-serializer.ts';
export { computeDigestResponse, type DigestResponseInput } from './digest-response.ts';
export type { DigestSecret } from './digest-secret.ts';
export {
  DigestVerifier,
  type AuthChallenge,
  type AuthOk,
  type ChallengeReason,
  type DigestQop,
  type DigestVerifierOptions,
  type VerifyInput,
  type VerifyResult,
} from './digest-verifier.ts';
