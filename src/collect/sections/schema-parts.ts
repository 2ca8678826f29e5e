import * as z from 'zod';

/** An AWS resource tag, as EC2 lists it. */
export const tag = z.looseObject({ Key: z.string().optional(), Value: z.string().optional() });

export const stringList = z.array(z.string());

/** A policy document: URL-encoded or plain JSON text, or the parsed object (AWS CLI output). */
export const policyDocument = z.union([z.string(), z.record(z.string(), z.unknown())]);
