import { z } from 'zod';
import { ROLES } from '../../domain/roles';

/** Command metadata as it crosses into a workflow (validated again: the API is not the only client). */
export const commandMeta = z
  .object({
    actor: z.string().min(1, 'must not be empty').max(100),
    role: z.enum([...ROLES, 'system'], { message: `must be one of ${ROLES.join(', ')}` }),
    reason: z.string().max(1000).optional(),
    correlationId: z.string().min(1).max(200).optional(),
  })
  .strict();
