DROP TABLE roadside_tokens;
