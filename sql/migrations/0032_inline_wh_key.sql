-- warehouse.wh_key again, same values, in a form PostgreSQL inlines into the calling query. The first version's
-- body had a FROM clause, which rules inlining out, so every call paid the SQL-function executor (about 1 µs;
-- measured 1.23 s against 0.22 s for a million keys), and a rebuild calls it several times per event. An inlined
-- strict function must have a strict body, hence arithmetic instead of CASE/COALESCE to map a hash of 0 to 1
-- (0 is dim_products' "no product" key). The argument appears twice: PostgreSQL still inlines when it is cheap
-- (a column or a ->> of one), and hashing a short id twice costs far less than the call did.
create or replace function warehouse.wh_key(natural_key text) returns bigint
language sql immutable parallel safe strict
as $$ select hashtextextended(natural_key, 0) + (hashtextextended(natural_key, 0) = 0)::int $$;
