import type { ApiClient } from '../../../lib/api-client';
import type { Credentials, LoginResponse, User } from '../../../types/api';

export function register(api: ApiClient, credentials: Credentials): Promise<User> {
  return api.post<User>('/api/auth/register', credentials, { auth: false });
}

export function login(api: ApiClient, credentials: Credentials): Promise<LoginResponse> {
  return api.post<LoginResponse>('/api/auth/login', credentials, { auth: false });
}

export function me(api: ApiClient): Promise<User> {
  return api.get<User>('/api/auth/me');
}
