"""Recorded-shape firmware replies used by the decoder, parser and poller tests.

Provenance: written by hand in the exact shape the firmware families send, following the cgminer
API-README (STATUS section, multi-command keyed object, text format), and the field names pyasic 0.79's
backends read for each family (``bmminer.py``/``antminer.py`` for stock Antminer, ``luxminer.py`` for
LuxOS, ``btminer.py`` for Whatsminer).  Numbers are plausible for the named models, chosen so the
expected normalised values can be computed by hand in the tests.  The quirks reproduce the ones
pyasic's ``_load_api_data`` repairs (bmminer ``}{`` in STATS, btminer trailing ``,}``/newlines,
Avalon ``inf``/``nan``).
"""

from __future__ import annotations

INVALID_COMMAND = ('{"STATUS":[{"STATUS":"E","When":1700000000,"Code":14,"Msg":"Invalid command",'
                   '"Description":"cgminer 4.11.1"}],"id":1}')

# ---- stock Antminer S19j Pro (bmminer) -----------------------------------------------------------
BMMINER_SUMMARY = (
    '{"STATUS":[{"STATUS":"S","When":1700000000,"Code":11,"Msg":"Summary","Description":"bmminer 1.0.0"}],'
    '"SUMMARY":[{"Elapsed":86400,"GHS 5s":"104,123.45","GHS av":103998.12,"Found Blocks":0,'
    '"Getworks":5000,"Accepted":41000,"Rejected":12,"Hardware Errors":15,"Utility":28.4,'
    '"Discarded":300,"Stale":0,"Local Work":100000,"Work Utility":1400000.0,"Best Share":123456789}],'
    '"id":1}')

# bmminer joins the two STATS objects without a comma: `}{` (the quirk pyasic repairs)
BMMINER_STATS = (
    '{"STATUS":[{"STATUS":"S","When":1700000000,"Code":70,"Msg":"BMMiner stats",'
    '"Description":"bmminer 1.0.0"}],"STATS":[{"BMMiner":"1.0.0","Miner":"uart_trans.1.3",'
    '"CompileTime":"Thu Apr 21 16:16:11 CST 2022","Type":"Antminer S19j Pro"}'
    '{"STATS":0,"ID":"BC50","Elapsed":86400,"Calls":0,"Wait":0.0,"Max":0.0,"Min":99999999.0,'
    '"GHS 5s":"104123.45","GHS av":103998.12,"miner_count":3,"frequency":545,"fan_num":4,'
    '"fan1":5040,"fan2":5040,"fan3":5160,"fan4":5160,"temp_num":3,'
    '"temp_pcb1":"45-45-61-61","temp_pcb2":"46-46-62-62","temp_pcb3":"44-44-60-60",'
    '"temp_chip1":"60-60-76-76","temp_chip2":"61-61-77-77","temp_chip3":"59-59-75-75",'
    '"total_rateideal":104000.0,"rate_unit":"GH/s","total_acn":378,'
    '"chain_acn1":126,"chain_acn2":126,"chain_acn3":126,'
    '"chain_rate1":"34700.11","chain_rate2":"34710.22","chain_rate3":"34713.12",'
    '"chain_hw1":12,"chain_hw2":3,"chain_hw3":0}],"id":1}')

BMMINER_POOLS = (
    '{"STATUS":[{"STATUS":"S","When":1700000000,"Code":7,"Msg":"3 Pool(s)","Description":"bmminer 1.0.0"}],'
    '"POOLS":[{"POOL":0,"URL":"stratum+tcp://pool.example:3333","Status":"Alive","Priority":0,'
    '"User":"site.worker1","Stratum Active":true,"Accepted":41000,"Rejected":12},'
    '{"POOL":1,"URL":"stratum+tcp://backup.example:3333","Status":"Alive","Priority":1,'
    '"User":"site.worker1","Stratum Active":false}],"id":1}')

BMMINER_VERSION = (
    '{"STATUS":[{"STATUS":"S","When":1700000000,"Code":22,"Msg":"BMMiner versions",'
    '"Description":"bmminer 1.0.0"}],"VERSION":[{"BMMiner":"1.0.0","API":"3.1",'
    '"Miner":"uart_trans.1.3","CompileTime":"Thu Apr 21 16:16:11 CST 2022","Type":"Antminer S19j Pro"}],'
    '"id":1}')

BMMINER_DEVS = (
    '{"STATUS":[{"STATUS":"S","When":1700000000,"Code":9,"Msg":"3 ASC(s)","Description":"bmminer 1.0.0"}],'
    '"DEVS":[{"ASC":0,"Name":"BTM_SOC0","ID":0,"Enabled":"Y","Status":"Alive"},'
    '{"ASC":1,"Name":"BTM_SOC0","ID":1,"Enabled":"Y","Status":"Alive"},'
    '{"ASC":2,"Name":"BTM_SOC0","ID":2,"Enabled":"Y","Status":"Alive"}],"id":1}')

BMMINER = {"summary": BMMINER_SUMMARY, "stats": BMMINER_STATS, "pools": BMMINER_POOLS,
           "version": BMMINER_VERSION, "devs": BMMINER_DEVS}

# ---- a controller with no hash boards detected --------------------------------------------------
NO_ASCS = ('{"STATUS":[{"STATUS":"E","When":1700000000,"Code":9,"Msg":"No ASCs",'
           '"Description":"bmminer 1.0.0"}],"id":1}')
NO_BOARDS_SUMMARY = (
    '{"STATUS":[{"STATUS":"S","When":1700000000,"Code":11,"Msg":"Summary","Description":"bmminer 1.0.0"}],'
    '"SUMMARY":[{"Elapsed":120,"GHS 5s":"0.00","GHS av":0.0,"Accepted":0,"Rejected":0,'
    '"Hardware Errors":0}],"id":1}')

# ---- LuxOS (LUXminer) on an S19j Pro: reports wattage and profiles ------------------------------
LUX_SUMMARY = (
    '{"STATUS":[{"STATUS":"S","When":1700000000,"Code":11,"Msg":"Summary","Description":"LUXminer 2024.5.1"}],'
    '"SUMMARY":[{"Elapsed":3600,"GHS 5s":95000.0,"GHS av":94500.0,"Accepted":2000,"Rejected":3,'
    '"Hardware Errors":7}],"id":1}')
LUX_STATS = (
    '{"STATUS":[{"STATUS":"S","When":1700000000,"Code":70,"Msg":"CGMiner stats",'
    '"Description":"LUXminer 2024.5.1"}],"STATS":[{"LUXminer":"2024.5.1","Type":"Antminer S19j Pro"},'
    '{"Elapsed":3600,"GHS 5s":95000.0,"fan_num":4,"fan1":4200,"fan2":4260,"fan3":4320,"fan4":4380,'
    '"temp_pcb1":"40-40-55-55","temp_pcb2":"41-41-56-56","temp_pcb3":"42-42-57-57",'
    '"temp_chip1":"55-55-70-70","temp_chip2":"56-56-71-71","temp_chip3":"57-57-72-72",'
    '"rate_unit":"GH/s","chain_rate1":"31000.0","chain_rate2":"32000.0","chain_rate3":"32000.0",'
    '"chain_acn1":126,"chain_acn2":126,"chain_acn3":126}],"id":1}')
LUX_POWER = ('{"STATUS":[{"STATUS":"S","When":1700000000,"Code":339,"Msg":"Power",'
             '"Description":"LUXminer 2024.5.1"}],"POWER":[{"PSU":true,"Watts":2875}],"id":1}')
LUX_FANS = ('{"STATUS":[{"STATUS":"S","When":1700000000,"Code":202,"Msg":"4 Fan(s)",'
            '"Description":"LUXminer 2024.5.1"}],"FANS":[{"ID":0,"RPM":4200,"Speed":55},'
            '{"ID":1,"RPM":4260,"Speed":55},{"ID":2,"RPM":4320,"Speed":55},{"ID":3,"RPM":4380,"Speed":55}],'
            '"id":1}')
LUX_CONFIG = ('{"STATUS":[{"STATUS":"S","When":1700000000,"Code":33,"Msg":"Config",'
              '"Description":"LUXminer 2024.5.1"}],"CONFIG":[{"Profile":"520MHz","IsAtmEnabled":false}],'
              '"id":1}')
LUX_PROFILES = ('{"STATUS":[{"STATUS":"S","When":1700000000,"Code":334,"Msg":"Profiles",'
                '"Description":"LUXminer 2024.5.1"}],"PROFILES":['
                '{"Profile Name":"545MHz","Frequency":545,"Hashrate":104.0,"Watts":3068},'
                '{"Profile Name":"520MHz","Frequency":520,"Hashrate":99.2,"Watts":2890},'
                '{"Profile Name":"495MHz","Frequency":495,"Hashrate":94.5,"Watts":2720}],"id":1}')
LUX_VERSION = ('{"STATUS":[{"STATUS":"S","When":1700000000,"Code":22,"Msg":"LUXminer versions",'
               '"Description":"LUXminer 2024.5.1"}],"VERSION":[{"API":"3.7","LUXminer":"2024.5.1",'
               '"Miner":"2024.5.1","Type":"Antminer S19j Pro"}],"id":1}')
LUXOS = {"summary": LUX_SUMMARY, "stats": LUX_STATS, "power": LUX_POWER, "fans": LUX_FANS,
         "config": LUX_CONFIG, "profiles": LUX_PROFILES, "version": LUX_VERSION, "pools": BMMINER_POOLS}

# ---- Whatsminer M30S+ (btminer): wattage in summary, trailing comma and newline quirks ----------
BTMINER_SUMMARY = (
    '{"STATUS":[{"STATUS":"S","When":1700000000,"Code":11,"Msg":"Summary","Description":"btminer"}],'
    '"SUMMARY":[{"Elapsed":7200,"MHS av":99800000.0,"MHS 5s":100200000.0,"Accepted":5000,"Rejected":4,'
    '"Hardware Errors":0,"Temperature":71.0,"Fan Speed In":5100,"Fan Speed Out":5130,"Power":3344,'
    '"Power Limit":3600,"Chip Temp Max":82.5,"Firmware Version":"\'20230106.1\n.REL\'",}],"id":1}')
BTMINER_DEVS = (
    '{"STATUS":[{"STATUS":"S","When":1700000000,"Code":9,"Msg":"3 ASC(s)","Description":"btminer"}],'
    '"DEVS":[{"ASC":0,"Slot":0,"Temperature":70.0,"Chip Temp Max":82.5,"MHS av":33300000.0},'
    '{"ASC":1,"Slot":1,"Temperature":69.5,"Chip Temp Max":81.0,"MHS av":33200000.0},'
    '{"ASC":2,"Slot":2,"Temperature":71.0,"Chip Temp Max":80.0,"MHS av":33300000.0}],"id":1}')

# ---- cgminer text format (STATUS=S,When=...|SECTION,...|) ---------------------------------------
TEXT_SUMMARY = ("STATUS=S,When=1700000000,Code=11,Msg=Summary,Description=cgminer 4.9.0|"
                "SUMMARY,Elapsed=5000,MHS av=13500000.50,MHS 5s=13600000.00,Accepted=100,Rejected=1,"
                "Hardware Errors=2|")

# ---- Avalon inf/nan ---------------------------------------------------------------------------------
AVALON_SUMMARY = (
    '{"STATUS":[{"STATUS":"S","When":1700000000,"Code":11,"Msg":"Summary","Description":"cgminer 4.11.1"}],'
    '"SUMMARY":[{"Elapsed":100,"MHS av":inf,"MHS 5s":"nan","Accepted":1,"Rejected":0,'
    '"Hardware Errors":0}],"id":1}')
