-- Plate keys now fold Greek and Cyrillic look-alikes and fullwidth forms to
-- Latin letters and digits (src/domain/plate.rs). Keys written before are
-- re-folded here with the same one-to-one table (a unit test checks that
-- it is the table of the code). A waybill whose old keys fold to one key
-- keeps one row.
INSERT INTO shipment_plates (plate, waybill_id)
SELECT DISTINCT translate(plate, 'ͿΑΒΕΖΗΙΚΜΝΟΡΤΥΧϒϜϨϬϹϺЅІЈАВЕЗКМНОРСТУХѴҮӀӠԌԚԜＡＢＣＤＥＦＧＨＩＪＫＬＭＮＯＰＱＲＳＴＵＶＷＸＹＺ０１２３４５６７８９', 'JABEZHIKMNOPTYXYF26CMSIJABE3KMHOPCTYXVYI3GQWABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789'), waybill_id
FROM shipment_plates
ON CONFLICT DO NOTHING;
DELETE FROM shipment_plates
WHERE plate <> translate(plate, 'ͿΑΒΕΖΗΙΚΜΝΟΡΤΥΧϒϜϨϬϹϺЅІЈАВЕЗКМНОРСТУХѴҮӀӠԌԚԜＡＢＣＤＥＦＧＨＩＪＫＬＭＮＯＰＱＲＳＴＵＶＷＸＹＺ０１２３４５６７８９', 'JABEZHIKMNOPTYXYF26CMSIJABE3KMHOPCTYXVYI3GQWABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789');
