DROP TABLE log_binding;
