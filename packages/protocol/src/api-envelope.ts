/** Every success body wraps its payload in `r`; every error body is `{detail}`. */
export interface ApiSuccess<T> {
  r: T;
}
export interface ApiErrorBody {
  detail: string;
}
