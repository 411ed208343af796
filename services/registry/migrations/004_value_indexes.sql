-- Param and tag values can be thousands of characters (MLflow allows 6000 and 8000), beyond a btree
-- entry's limit (~2.7 kB), so equality lookups on values use hash indexes and keys their own btree.
DROP INDEX params_key_value;
DROP INDEX tags_key_value;
CREATE INDEX params_key ON params (key);
CREATE INDEX params_value ON params USING hash (value);
CREATE INDEX tags_key ON tags (key);
CREATE INDEX tags_value ON tags USING hash (value);
