DROP TABLE shipment_plates;
DROP TABLE shipment_facts;
