"""Demo services: data & reporting, security & access, network & hosting."""

from catalog.demo.organisation import ALL_UNITS

SERVICES = [
    {
        "name": "Management dashboards",
        "category": "data",
        "lifecycle": "live",
        "criticality": 2,
        "service_owner": "ravi.patel",
        "business_owner": "margaret.hughes",
        "business_units": ALL_UNITS,
        "annual_cost": "88000.00",
        "summary": "Sales, margin, stock, service and people figures, refreshed every morning.",
        "description": """
            Dashboards for each part of the business, built on the data warehouse and refreshed by 7am:
            daily sales and margin by region, stock availability, delivery performance, contact centre
            service levels, absence and headcount.

            Every figure has one definition, agreed with its owner in the business, so the weekly
            leadership meeting argues about what to do rather than whose number is right.
        """,
        "how_to_request": """
            Managers see their own area's dashboards automatically. Ask the data team on the portal for
            a new dashboard; they will agree the definitions with you first.
        """,
        "cost_drivers": ["BI licences (viewers and creators)", "Data team time for new dashboards"],
        "keywords": "dashboard, report, KPI, Power BI, figures, MI, management information",
        "depends_on": ["Data warehouse", "Sign-in and single sign-on"],
    },
    {
        "name": "Data warehouse",
        "category": "data",
        "lifecycle": "live",
        "criticality": 2,
        "service_owner": "ravi.patel",
        "business_owner": "margaret.hughes",
        "business_units": ["finance", "sales", "operations"],
        "annual_cost": "126000.00",
        "summary": "History from all our systems, cleaned and joined up, for reporting and analysis.",
        "description": """
            Each night the warehouse loads data from the ERP, CRM, warehouse management, the online shop
            and the HR system, checks it and joins it up. Analysts query it directly; dashboards and
            budgeting are built on it.

            If a nightly load fails, the data team is alerted and dashboards show the time of the last
            good load, so nobody acts on stale figures unknowingly.
        """,
        "how_to_request": "Analysts request access on the service desk portal; the data owner approves.",
        "cost_drivers": ["Cloud data platform (compute and storage)", "Data integration tool"],
        "keywords": "data warehouse, analytics, SQL, history, data",
        "depends_on": [
            "General ledger and financial reporting",
            "Customer relationship management",
            "Server hosting",
        ],
    },
    {
        "name": "Customer and product master data",
        "category": "data",
        "lifecycle": "live",
        "criticality": 2,
        "service_owner": "ravi.patel",
        "business_owner": "oliver.bennett",
        "business_units": ["sales", "operations", "finance", "marketing"],
        "annual_cost": "58000.00",
        "summary": "One correct record of each customer and product, shared by every system.",
        "description": """
            New customers and products are set up once, checked by the data stewards in Sales and
            Operations, and then shared with the ERP, CRM, online shop and warehouse. Duplicates are
            merged every week.

            Good master data is why a price change reaches the shop, the quote and the invoice on the
            same day.
        """,
        "how_to_request": """
            Request a new customer account through the CRM; new products through the product set-up
            form on The Hub.
        """,
        "cost_drivers": ["Master data management licence", "Data steward time"],
        "keywords": "master data, customer set-up, product set-up, MDM, duplicates",
        "depends_on": ["Server hosting"],
    },
    {
        "name": "Document archive",
        "category": "data",
        "lifecycle": "live",
        "criticality": 3,
        "service_owner": "ravi.patel",
        "business_owner": "victoria.ashworth",
        "business_units": ["legal", "finance", "human-resources"],
        "annual_cost": "34000.00",
        "summary": "Contracts, invoices and personnel files kept for as long as the law requires, then deleted.",
        "description": """
            Signed contracts, supplier invoices, personnel files and board papers are filed in the
            archive with their retention period. Authorised staff can search and retrieve them; the
            archive deletes records automatically when their retention period ends, after Legal
            confirms there is no legal hold.

            Paper records from before 2015 are stored off-site and scanned on request within two
            working days.
        """,
        "how_to_request": "Legal grants access by record type. Ask on the service desk portal.",
        "cost_drivers": ["Archive storage", "Scanning of paper records"],
        "keywords": "archive, records, retention, contracts, documents, legal hold",
        "depends_on": ["Server hosting", "Backup and recovery"],
    },
    {
        "name": "Legacy sales reports",
        "category": "data",
        "lifecycle": "retired",
        "criticality": 4,
        "service_owner": "ravi.patel",
        "business_owner": None,
        "business_units": ["sales"],
        "annual_cost": "0.00",
        "summary": "The old overnight sales reports. Retired: use the management dashboards.",
        "description": """
            The overnight PDF reports emailed to sales managers were retired once every report had an
            equivalent dashboard. The report server has been switched off.

            The figures behind the old reports are in the data warehouse, back to 2016.
        """,
        "how_to_request": "Nothing to request. Ask the data team if you cannot find an old report's figures.",
        "cost_drivers": [],
        "keywords": "Crystal Reports, old reports, sales reports",
        "depends_on": [],
    },
    {
        "name": "Sign-in and single sign-on",
        "category": "security",
        "lifecycle": "live",
        "criticality": 1,
        "service_owner": "grace.oneill",
        "business_owner": "rebecca.stone",
        "business_units": ALL_UNITS,
        "annual_cost": "71000.00",
        "summary": "One work account and one sign-in, protected by your phone, for every system.",
        "description": """
            Your work account opens your laptop, email and almost every business system without
            signing in again. Signing in from a new device or location asks for approval on your
            phone, which stops most stolen passwords being any use.

            Forgotten your password? Reset it yourself from the sign-in page with your phone.
            If sign-in fails, everything fails, so it is monitored around the clock.
        """,
        "how_to_request": "Accounts are created by Starters, movers and leavers. Reset passwords yourself.",
        "cost_drivers": ["Identity platform licences", "Multi-factor authentication"],
        "keywords": "login, password, sign in, SSO, MFA, account, authenticator",
        "depends_on": ["Office network and Wi-Fi"],
    },
    {
        "name": "Remote access",
        "category": "security",
        "lifecycle": "live",
        "criticality": 2,
        "service_owner": "grace.oneill",
        "business_owner": "connor.doyle",
        "business_units": ["remote-offices", "sales", "finance", "operations"],
        "annual_cost": "27000.00",
        "summary": "Safe access to internal systems from home, hotels and customer sites.",
        "description": """
            Most systems work from anywhere with just your work account. The few that still live on
            our internal network (the ERP's finance screens, warehouse management administration) are
            reached through the VPN, which connects automatically when you need it.

            Public Wi-Fi in hotels and trains is fine to use: the connection is encrypted end to end.
            Avoid shared or public computers for work altogether.
        """,
        "how_to_request": "Installed on every laptop. Ask the service desk if it does not connect.",
        "cost_drivers": ["VPN licences", "Internet capacity at the hosting centre"],
        "keywords": "VPN, remote access, work from home, connect",
        "depends_on": ["Sign-in and single sign-on", "Office network and Wi-Fi"],
    },
    {
        "name": "Security awareness",
        "category": "security",
        "lifecycle": "live",
        "criticality": 4,
        "service_owner": "grace.oneill",
        "business_owner": "victoria.ashworth",
        "business_units": ALL_UNITS,
        "annual_cost": "16000.00",
        "summary": "Short training and practice phishing emails that help everyone spot scams.",
        "description": """
            Ten minutes of training every quarter and an occasional harmless *practice* phishing
            email. If you click, you see a short explanation of the signs you missed; nobody is named
            to their manager.

            Use the **Report phishing** button in Outlook for anything suspicious, real or practice.
        """,
        "how_to_request": "Everyone is enrolled automatically.",
        "cost_drivers": ["Awareness platform subscription"],
        "keywords": "phishing, security training, scam, awareness, report phishing",
        "depends_on": ["Email and calendars"],
    },
    {
        "name": "Office network and Wi-Fi",
        "category": "infrastructure",
        "lifecycle": "live",
        "criticality": 1,
        "service_owner": "marcus.webb",
        "business_owner": "fiona.macleod",
        "business_units": ALL_UNITS,
        "annual_cost": "198000.00",
        "summary": "Wired and wireless network in every site, including the warehouses' shop floors.",
        "description": """
            Fast, secure Wi-Fi in every office and across the warehouse floors (where the scanners need
            it), and wired connections for printers, terminals and meeting rooms. Guests get a separate
            Wi-Fi network with internet access only.

            The network is monitored around the clock; a site losing its network is the highest
            priority incident we have.
        """,
        "how_to_request": "Nothing to request for staff. Ask for a new network point or Wi-Fi coverage on the portal.",
        "cost_drivers": ["Network equipment support", "Wi-Fi licences", "Internet lines at the main sites"],
        "keywords": "network, Wi-Fi, wifi, internet, LAN, connection, guest Wi-Fi",
        "depends_on": [],
    },
    {
        "name": "Remote office connectivity",
        "category": "infrastructure",
        "lifecycle": "live",
        "criticality": 1,
        "service_owner": "marcus.webb",
        "business_owner": "connor.doyle",
        "business_units": ["remote-offices"],
        "annual_cost": "96000.00",
        "summary": "Each regional office's internet line, with a 4G backup that takes over automatically.",
        "description": """
            Each of the twelve regional offices has a business fibre line and a 4G backup that takes
            over within a minute if the line fails. Calls, CRM and email keep working; large file
            transfers are slower until the line is back.

            The provider must fix a failed line within eight working hours.
        """,
        "how_to_request": "Call the service desk if your office is offline; they chase the provider for you.",
        "cost_drivers": ["Fibre lines (12 sites)", "4G backup routers and data", "Provider's fix-time premium"],
        "keywords": "internet, line, broadband, office offline, 4G, connectivity, WAN",
        "depends_on": ["Office network and Wi-Fi"],
    },
    {
        "name": "Server hosting",
        "category": "infrastructure",
        "lifecycle": "live",
        "criticality": 1,
        "service_owner": "marcus.webb",
        "business_owner": None,
        "business_units": ALL_UNITS,
        "annual_cost": "342000.00",
        "summary": "The cloud and on-site servers our business systems run on, kept up and patched.",
        "description": """
            Most business systems now run in our cloud tenancy; a handful still run in the head office
            server room until they move. IT keeps the servers patched, sized and monitored, and
            restores service first and investigates afterwards.

            Monthly patching happens on the second Sunday night of the month, outside the month-end
            close and payroll freezes.
        """,
        "how_to_request": "Project teams request new servers through the IT architecture review.",
        "cost_drivers": ["Cloud compute and storage", "Operating system and database licences", "Monitoring"],
        "keywords": "servers, hosting, cloud, Azure, infrastructure, patching",
        "depends_on": ["Office network and Wi-Fi", "Head office server room"],
    },
    {
        "name": "Backup and recovery",
        "category": "infrastructure",
        "lifecycle": "live",
        "criticality": 1,
        "service_owner": "marcus.webb",
        "business_owner": "victoria.ashworth",
        "business_units": ALL_UNITS,
        "annual_cost": "84000.00",
        "summary": "Copies of our systems and files, tested, so we can recover from mistakes and attacks.",
        "description": """
            Systems and files are backed up every night, with copies that cannot be altered for 30
            days, so even ransomware cannot destroy them. Restores are tested every quarter, and the
            full recovery of the ERP and warehouse systems is rehearsed once a year.

            Deleted a file? You can restore your own OneDrive and team-site files for 93 days.
        """,
        "how_to_request": "Ask the service desk to restore anything you cannot restore yourself.",
        "cost_drivers": ["Backup software licences", "Immutable backup storage", "Annual recovery rehearsal"],
        "keywords": "backup, restore, recovery, deleted file, ransomware, disaster recovery",
        "depends_on": ["Server hosting"],
    },
    {
        "name": "Head office server room",
        "category": "infrastructure",
        "lifecycle": "retiring",
        "criticality": 2,
        "service_owner": "marcus.webb",
        "business_owner": None,
        "business_units": ["finance", "operations"],
        "annual_cost": "61000.00",
        "summary": "The on-site server room. Retiring: its last systems move to the cloud this year.",
        "description": """
            The server room at head office still hosts the ERP's database and the telephone exchange.
            Its cooling and power equipment are near the end of their life, so the last systems move
            to cloud hosting this year and the room closes.

            Until then it is maintained as before, with a generator test every month.
        """,
        "how_to_request": "No new systems are placed here.",
        "cost_drivers": ["Power and cooling", "Generator and UPS maintenance"],
        "keywords": "server room, data centre, on-premises, comms room",
        "depends_on": [],
    },
]
