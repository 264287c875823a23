"""Demo services: workplace & devices, communication & collaboration, IT support.

Descriptions and how-to-request texts are Markdown, indented here for reading; the
loader dedents them. `depends_on` names other demo services."""

from catalog.demo.organisation import ALL_UNITS

SERVICES = [
    {
        "name": "Laptops and desktops",
        "category": "workplace",
        "lifecycle": "live",
        "criticality": 2,
        "service_owner": "aisha.rahman",
        "business_owner": "fiona.macleod",
        "business_units": ALL_UNITS,
        "annual_cost": "412000.00",
        "summary": "A working computer for everyone, set up with what their job needs and replaced every four years.",
        "description": """
            Everyone who works at a desk, in an office or on the road gets a laptop (or, for the
            contact centre and warehouse offices, a desktop) that is ready to use on their first day:
            signed in, encrypted, with Microsoft 365 and the applications their team uses.

            IT keeps the machines patched and protected, repairs or swaps them when they fail, and
            replaces them on a **four-year cycle**. Broken screens and lost laptops are replaced from
            a pool of spares, usually the next working day; remote offices get a courier delivery.

            What you can choose from is deliberately short: a standard laptop, a lighter model for
            people who travel most weeks, and a high-performance model for design and data work.
        """,
        "how_to_request": """
            - **New starter**: the hiring manager's starter request (in the HR system) orders the laptop
              automatically; allow five working days.
            - **Replacement or repair**: raise a request on the IT service desk portal, or call
              extension 4000 if you cannot work at all.
            - **A different model**: ask on the portal and say why; your line manager approves it.
        """,
        "cost_drivers": [
            "Device leases (about 1,100 laptops and 180 desktops)",
            "Endpoint protection and device management licences",
            "Spares pool and courier deliveries to remote offices",
        ],
        "keywords": "laptop, computer, PC, desktop, device, replacement, hardware",
        "depends_on": ["Sign-in and single sign-on", "Office network and Wi-Fi"],
    },
    {
        "name": "Mobile phones",
        "category": "workplace",
        "lifecycle": "live",
        "criticality": 3,
        "service_owner": "aisha.rahman",
        "business_owner": "oliver.bennett",
        "business_units": ALL_UNITS,
        "annual_cost": "96500.00",
        "summary": "Company smartphones with email and calendar for people whose role needs one.",
        "description": """
            Sales, operations managers, on-call staff and the leadership team have a company
            smartphone with email, calendar, Teams and the apps their role needs. Phones are managed:
            if one is lost, IT can lock and wipe it within minutes of being told.

            The contract includes calls and data across the UK and the EU. Heavy roaming outside the
            EU is charged back to the department.
        """,
        "how_to_request": """
            Ask on the IT service desk portal under *Mobile phones*. Your line manager approves the
            request; phones are delivered within three working days. **Lost or stolen?** Call the
            service desk straight away, day or night.
        """,
        "cost_drivers": [
            "Airtime contract (420 lines)",
            "Handsets on a three-year refresh",
            "Mobile device management",
        ],
        "keywords": "mobile, phone, smartphone, iPhone, SIM, roaming",
        "depends_on": ["Email and calendars"],
    },
    {
        "name": "Printing and scanning",
        "category": "workplace",
        "lifecycle": "live",
        "criticality": 4,
        "service_owner": "aisha.rahman",
        "business_owner": None,
        "business_units": ALL_UNITS,
        "annual_cost": "58000.00",
        "summary": "Secure follow-me printing and scan-to-email on the shared printers in every site.",
        "description": """
            Print from any laptop and collect the job at any company printer by tapping your badge.
            Unclaimed jobs are deleted after 24 hours, so confidential papers are not left in trays.

            Printers also scan to your email. Toner and paper for head office and the distribution
            centres are replenished automatically; remote offices order paper through the usual
            stationery supplier.
        """,
        "how_to_request": """
            Nothing to request: every user can print. Report a faulty printer on the service desk portal.
        """,
        "cost_drivers": ["Managed print contract (per page)", "Printer leases at 16 sites"],
        "keywords": "printer, print, scan, copier, toner",
        "depends_on": ["Office network and Wi-Fi"],
    },
    {
        "name": "Meeting room video equipment",
        "category": "workplace",
        "lifecycle": "live",
        "criticality": 3,
        "service_owner": "tom.fletcher",
        "business_owner": None,
        "business_units": ALL_UNITS,
        "annual_cost": "41000.00",
        "summary": "One-touch video meetings in every bookable meeting room.",
        "description": """
            The 38 bookable meeting rooms have a screen, camera and speakerphone that join the Teams
            meeting in the room's calendar with one touch. Boardrooms at head office also have
            wireless screen sharing.

            IT checks each room once a month and fixes reported faults in head office the same day;
            elsewhere within two working days.
        """,
        "how_to_request": "Book the room in Outlook as usual. Report a fault with the QR code on the room's screen.",
        "cost_drivers": ["Room kit support contract", "Teams Rooms licences"],
        "keywords": "meeting room, video conference, camera, screen, AV",
        "depends_on": ["Video calls and chat"],
    },
    {
        "name": "Software requests",
        "category": "workplace",
        "lifecycle": "live",
        "criticality": 4,
        "service_owner": "aisha.rahman",
        "business_owner": None,
        "business_units": ALL_UNITS,
        "annual_cost": "22000.00",
        "summary": "Install approved software yourself, or ask for something new to be checked and licensed.",
        "description": """
            The *Company Portal* app on your laptop lists about 120 approved applications you can
            install yourself, without waiting for anyone.

            Anything else is checked by IT for security, data protection and licensing before it is
            approved; the check takes about a week, longer if a contract must be signed.
        """,
        "how_to_request": """
            Open *Company Portal* on your laptop. For new software, raise a request on the service desk
            portal.
        """,
        "cost_drivers": ["Packaging and testing effort", "Software asset management tool"],
        "keywords": "software, install, application, licence, app",
        "depends_on": ["IT service desk", "Laptops and desktops"],
    },
    {
        "name": "Desk phones",
        "category": "workplace",
        "lifecycle": "retiring",
        "criticality": 3,
        "service_owner": "marcus.webb",
        "business_owner": None,
        "business_units": ["finance", "human-resources", "legal"],
        "annual_cost": "35000.00",
        "summary": "The old head-office telephone system. Being replaced by cloud telephony; no new phones.",
        "description": """
            The on-premises telephone exchange at head office still serves about 150 desk phones in
            Finance, HR and Legal. The exchange is out of vendor support at the end of the year.

            Teams are moving to **Cloud telephony** floor by floor; your number moves with you. Until
            your move, faults are still fixed, but no new desk phones or extensions are added.
        """,
        "how_to_request": "No new requests. Ask on the service desk portal when your team moves to cloud telephony.",
        "cost_drivers": ["Exchange maintenance contract", "ISDN lines"],
        "keywords": "phone, telephone, extension, PBX, desk phone",
        "depends_on": ["Office network and Wi-Fi"],
    },
    {
        "name": "Email and calendars",
        "category": "collaboration",
        "lifecycle": "live",
        "criticality": 1,
        "service_owner": "tom.fletcher",
        "business_owner": "rebecca.stone",
        "business_units": ALL_UNITS,
        "annual_cost": "148000.00",
        "summary": "Email, calendars and contacts for everyone, on any device, with spam and phishing filtered out.",
        "description": """
            Everyone has a mailbox of 100 GB and a calendar that colleagues can see to find a free
            slot. Shared mailboxes serve teams such as *accounts.payable@* and *deliveries@*.

            Incoming mail is scanned for spam, malware and phishing before it reaches you; suspicious
            messages wait in quarantine, where you can release them yourself. Mail is kept for seven
            years to meet our legal obligations, then deleted.
        """,
        "how_to_request": """
            Mailboxes are created with the user account. Ask for a **shared mailbox** or a distribution
            list on the service desk portal; the owner of the team approves it.
        """,
        "cost_drivers": ["Microsoft 365 licences", "Email security gateway", "Seven-year archive storage"],
        "keywords": "email, mail, Outlook, calendar, mailbox, shared mailbox",
        "depends_on": ["Sign-in and single sign-on", "Office network and Wi-Fi"],
    },
    {
        "name": "Video calls and chat",
        "category": "collaboration",
        "lifecycle": "live",
        "criticality": 2,
        "service_owner": "tom.fletcher",
        "business_owner": None,
        "business_units": ALL_UNITS,
        "annual_cost": "64000.00",
        "summary": "Teams meetings, chat and channels for working together, inside and outside the company.",
        "description": """
            Microsoft Teams for one-to-one and group chat, team channels and video meetings of up to
            300 people. Customers and suppliers can join meetings from a browser.

            Town halls with more than 300 viewers run as *live events*; book them with IT two weeks
            ahead so the stream is tested.
        """,
        "how_to_request": "Available to everyone. Ask for a new team or a live event on the service desk portal.",
        "cost_drivers": ["Teams licences (part of Microsoft 365)", "Live event support"],
        "keywords": "Teams, chat, video call, meeting, channel, webinar",
        "depends_on": ["Sign-in and single sign-on"],
    },
    {
        "name": "Cloud telephony",
        "category": "collaboration",
        "lifecycle": "live",
        "criticality": 2,
        "service_owner": "tom.fletcher",
        "business_owner": "lucy.martin",
        "business_units": ["sales", "remote-offices", "operations", "customer-service", "marketing"],
        "annual_cost": "87000.00",
        "summary": "Your phone number in Teams, on your laptop and mobile, wherever you work.",
        "description": """
            Calls to and from ordinary phone numbers are made in Teams. Your direct number rings on
            your laptop and on the Teams app on your mobile, and voicemail arrives in your inbox.

            Hunt groups and call queues serve team numbers such as the regional offices' main lines.
            The contact centre has its own, more capable platform (see *Customer contact centre*).
        """,
        "how_to_request": """
            Your manager requests a number on the service desk portal; numbers are ready in two working
            days.
        """,
        "cost_drivers": ["Calling plans per user", "Number porting", "Call recording for regulated teams"],
        "keywords": "phone, telephony, calls, number, voicemail, hunt group",
        "depends_on": ["Video calls and chat", "Office network and Wi-Fi"],
    },
    {
        "name": "Intranet",
        "category": "collaboration",
        "lifecycle": "live",
        "criticality": 3,
        "service_owner": "tom.fletcher",
        "business_owner": "ben.harper",
        "business_units": ALL_UNITS,
        "annual_cost": "29000.00",
        "summary": "The Hub: company news, policies, forms and who's who.",
        "description": """
            *The Hub* is the front page of the company: news from the leadership team, policies, the
            staff handbook, forms and a searchable who's-who with photos and reporting lines.

            Each department edits its own pages; Marketing looks after the home page and news.
        """,
        "how_to_request": "Ask Marketing for editing rights to your department's pages; IT sets them up within a day.",
        "cost_drivers": ["SharePoint (part of Microsoft 365)", "Design agency retainer"],
        "keywords": "intranet, Hub, news, policies, handbook, who's who",
        "depends_on": ["Sign-in and single sign-on", "File sharing and team sites"],
    },
    {
        "name": "File sharing and team sites",
        "category": "collaboration",
        "lifecycle": "live",
        "criticality": 2,
        "service_owner": "tom.fletcher",
        "business_owner": None,
        "business_units": ALL_UNITS,
        "annual_cost": "38000.00",
        "summary": "Store, share and work on documents together, safely, from anywhere.",
        "description": """
            OneDrive for your own files and SharePoint team sites for your department's, with version
            history and co-editing. Files can be shared with people outside the company by link, with
            an expiry date.

            The old *S: drive* at head office has been migrated; it is read-only until it is switched
            off next spring.
        """,
        "how_to_request": """
            Ask for a new team site on the service desk portal; name its owner and who should have access.
        """,
        "cost_drivers": ["Storage beyond the Microsoft 365 allowance", "Backup of cloud files"],
        "keywords": "files, documents, OneDrive, SharePoint, share, S drive",
        "depends_on": ["Sign-in and single sign-on", "Backup and recovery"],
    },
    {
        "name": "E-signature",
        "category": "collaboration",
        "lifecycle": "proposed",
        "criticality": 3,
        "service_owner": "tom.fletcher",
        "business_owner": "victoria.ashworth",
        "business_units": ["legal", "sales", "human-resources"],
        "annual_cost": "18000.00",
        "summary": "Sign contracts, offer letters and approvals electronically, with a full audit trail.",
        "description": """
            A proposed service to replace printing, signing and scanning. Contracts, offer letters and
            supplier agreements would be sent for signature from Word or the CRM, and the signed copy
            filed in the document archive automatically.

            Legal is confirming which documents may be signed electronically under our contracts and
            which still need a wet signature.
        """,
        "how_to_request": """
            Not available yet. Legal and Sales are piloting it; ask Victoria Ashworth to join the pilot.
        """,
        "cost_drivers": ["Per-envelope pricing", "Integration with CRM and HR system"],
        "keywords": "signature, e-sign, DocuSign, contract, sign",
        "depends_on": ["Sign-in and single sign-on", "Document archive"],
    },
    {
        "name": "IT service desk",
        "category": "support",
        "lifecycle": "live",
        "criticality": 2,
        "service_owner": "james.okafor",
        "business_owner": "fiona.macleod",
        "business_units": ALL_UNITS,
        "annual_cost": "386000.00",
        "summary": "One place to get help with anything IT: portal, phone and chat.",
        "description": """
            The service desk answers the phone (extension 4000, or 0161 496 0400 from outside) from
            7am to 7pm on weekdays and 8am to 1pm on Saturdays. Outside those hours an on-call engineer
            handles anything that stops a site or a critical system.

            Most requests start on the **self-service portal**, which also shows the status of your
            tickets and known problems. About two thirds of calls are fixed on the first call.
        """,
        "how_to_request": "Use the portal, call 4000, or chat from the Teams app *IT Help*.",
        "cost_drivers": ["Service desk team (14 people)", "Service management tool licences", "Out-of-hours on-call"],
        "keywords": "help, support, service desk, ticket, incident, broken, helpdesk",
        "depends_on": ["Sign-in and single sign-on", "Email and calendars"],
    },
    {
        "name": "On-site support for remote offices",
        "category": "support",
        "lifecycle": "live",
        "criticality": 3,
        "service_owner": "james.okafor",
        "business_owner": "connor.doyle",
        "business_units": ["remote-offices"],
        "annual_cost": "74000.00",
        "summary": "An engineer at your office when a problem cannot be fixed remotely.",
        "description": """
            The regional offices have no IT staff. When a fault cannot be fixed remotely, a field
            engineer from our support partner visits: **next working day** as standard, within four
            hours if the whole office cannot work.

            Each office also gets a scheduled visit every quarter to check equipment and help with
            anything people have been saving up.
        """,
        "how_to_request": "Raise it with the service desk as usual; they book the engineer.",
        "cost_drivers": ["Field support contract (per visit)", "Travel"],
        "keywords": "on-site, engineer, visit, regional office, field support",
        "depends_on": ["IT service desk"],
    },
    {
        "name": "Starters, movers and leavers",
        "category": "support",
        "lifecycle": "live",
        "criticality": 2,
        "service_owner": "grace.oneill",
        "business_owner": "rebecca.stone",
        "business_units": ALL_UNITS,
        "annual_cost": "52000.00",
        "summary": "Accounts, equipment and access that follow people when they join, change role or leave.",
        "description": """
            When HR records a new starter, a change of role or a leaving date, IT acts on it: accounts
            and equipment ready for day one, access changed to match the new role, and everything
            switched off at 5pm on the last day.

            Managers receive a checklist a week before the start date and can add role-specific access
            there, so nobody starts without the systems they need.
        """,
        "how_to_request": "Record the starter, change or leaver in the HR system; everything else follows.",
        "cost_drivers": ["Identity governance tool", "Service desk effort (about 60 changes a month)"],
        "keywords": "starter, joiner, leaver, mover, new employee, onboarding, offboarding, access",
        "depends_on": ["HR information system", "Sign-in and single sign-on"],
    },
]
