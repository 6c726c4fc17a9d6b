// Sign-in: POST /api/v1/auth/login (ARCHITECTURE.md, "The HTTP surface").
import type { ApiClient } from './client';

export interface Credentials {
  email: string;
  password: string;
}

export interface SignedInUser {
  id: string;
  email: string;
  name?: string;
}

export interface Session {
  access_token: string;
  token_type: string;
  /** Seconds until access_token expires. */
  expires_in: number;
  refresh_token: string;
  user: SignedInUser;
}

export function login(client: ApiClient, credentials: Credentials, signal?: AbortSignal): Promise<Session> {
  return client.post<Session>('/api/v1/auth/login', credentials, signal !== undefined ? { signal } : {});
}

/**
 * Ends the session on the server. Best effort: the caller forgets the session
 * on this device whatever the answer.
 */
export async function logout(client: ApiClient, session: Session): Promise<void> {
  await client.post<void>('/api/v1/auth/logout', { refresh_token: session.refresh_token });
}
