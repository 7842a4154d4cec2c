import { request } from './client';
import type { LoginAnswer, Me } from './types';

export function login(username: string, password: string): Promise<LoginAnswer> {
  return request<LoginAnswer>('/api/auth/login', {
    method: 'POST',
    body: { username, password },
    expectUnauthorized: true,
  });
}

export function logout(): Promise<void> {
  return request<void>('/api/auth/logout', { method: 'POST', expectUnauthorized: true });
}

export function fetchMe(): Promise<Me> {
  return request<Me>('/api/me', { expectUnauthorized: true });
}
