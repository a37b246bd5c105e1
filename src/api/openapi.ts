/**
 * The admin API's OpenAPI 3.1 document, generated from the route table: the same zod schemas
 * that validate requests describe them here (zod 4's JSON Schema output).
 */
import { z } from 'zod';
import type { RouteGroup } from './admin-api.js';

function jsonSchema(schema: z.ZodType): Record<string, unknown> {
  return z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' });
}

function queryParameters(schema: z.ZodType): Record<string, unknown>[] {
  const s = jsonSchema(schema) as { properties?: Record<string, unknown>; required?: string[] };
  return Object.entries(s.properties ?? {}).map(([name, property]) => ({ name, in: 'query', required: s.required?.includes(name) ?? false, schema: property }));
}

export function openApiDocument(groups: readonly RouteGroup[], version: string): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const group of groups) {
    for (const route of group.routes) {
      const pathParameters = [...route.path.matchAll(/\{([^}]+)\}/g)].map((m) => ({ name: m[1], in: 'path', required: true, schema: { type: 'string' } }));
      const operation: Record<string, unknown> = {
        tags: [group.name],
        summary: route.summary,
        ...(route.access === 'public' ? { security: [] } : { 'x-wing-level': route.access }),
        parameters: [...pathParameters, ...(route.query ? queryParameters(route.query) : [])],
        ...(route.body ? { requestBody: { required: true, content: { 'application/json': { schema: jsonSchema(route.body) } } } } : {}),
        responses: {
          [String(route.status ?? 200)]: { description: 'success: `{ success: true, ... }`' },
          '4XX': { description: 'refused: `{ success: false, error }`, the error says what was wrong and what to do', content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } },
        },
      };
      (paths[route.path] ??= {})[route.method.toLowerCase()] = operation;
    }
  }
  return {
    openapi: '3.1.0',
    info: { title: 'Wing Rollback admin API', version, description: 'Sign in with POST /api/sessions, then send `Authorization: Bearer <token>`.' },
    paths,
    components: {
      securitySchemes: { session: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } },
      schemas: { Error: { type: 'object', required: ['success', 'error'], properties: { success: { const: false }, error: { type: 'string' } } } },
    },
    security: [{ session: [] }],
  };
}
