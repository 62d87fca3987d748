"""The AutoTrans model: EHF reading and rules, party ids, money, aggregates, events. No I/O."""
