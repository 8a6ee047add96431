/**
 * PostgreSQL 15's reserved keywords: `SELECT word FROM pg_get_keywords() WHERE catcode IN ('R', 'T')`
 * (reserved, and reserved except as a function or type name). Neither may be an unquoted
 * database name (`CREATE DATABASE user` is a syntax error), so a tool or a DSN that does not quote
 * breaks on them. __tests__/postgres-real.test.ts compares this list with a real server's.
 */
export const POSTGRES_RESERVED_KEYWORDS: ReadonlySet<string> = new Set(
  (
    "all analyse analyze and any array as asc asymmetric authorization binary both case cast check collate collation column " +
    "concurrently constraint create cross current_catalog current_date current_role current_schema current_time current_timestamp " +
    "current_user default deferrable desc distinct do else end except false fetch for foreign freeze from full grant group having " +
    "ilike in initially inner intersect into is isnull join lateral leading left like limit localtime localtimestamp natural not " +
    "notnull null offset on only or order outer overlaps placing primary references returning right select session_user similar " +
    "some symmetric table tablesample then to trailing true union unique user using variadic verbose when where window with"
  ).split(" "),
);

/** Databases every cluster has: the maintenance database and the templates. */
export const POSTGRES_SYSTEM_DATABASES: readonly string[] = ["postgres", "template0", "template1"];

/** Words pg_hba.conf reads as keywords in its database column. */
export const PG_HBA_DATABASE_KEYWORDS: readonly string[] = ["all", "sameuser", "samerole", "samegroup", "replication"];
