DROP TABLE party_events;
DROP TABLE webhook_deliveries;
DROP TABLE webhooks;
