"""Demo agreements: the history of each (service, business unit) pair, version by version.

Each version says where it ends up (`state`) and when things happened, in days relative
to the day the demo is loaded: `drafted` days ago (it is then proposed two days later and
signed by IT and the business two and four days after that), `effective` and `review`
days from today (negative: in the past). A `superseded` version is agreed and then
replaced by the next agreed one. `unit` None means all business units: the service's
business owner signs for the business. The loader creates them all through
catalog.services, so every state is reached the way the product reaches it."""

# Standard terms by criticality tier; a version may add to or replace them.
IT_RESPONSIBILITIES = {
    1: """- Keep the service available 99.9% of the time, measured monthly, outside agreed maintenance.
- Respond to a priority 1 incident within 15 minutes, day or night, and update you every hour until it is fixed.
- Do planned work outside business hours and announce it five working days ahead.
- Report performance against this agreement every month and review it with you every quarter.""",
    2: """- Keep the service available 99.5% of business hours (Monday to Friday, 7am to 7pm).
- Respond to a priority 1 incident within 30 minutes in business hours and restore service within 4 hours.
- Announce planned work five working days ahead.
- Report performance against this agreement every quarter.""",
    3: """- Keep the service available 99% of business hours.
- Respond to incidents within 4 business hours and fix them within 2 working days.
- Announce planned work three working days ahead.""",
    4: """- Fix faults within 5 working days.
- Announce changes that affect users on The Hub.""",
}

BUSINESS_RESPONSIBILITIES = """- Report problems through the IT service desk, saying how many people are affected.
- Name a representative who attends the quarterly service review and approves changes.
- Tell IT about changes in volume (new sites, seasonal peaks, projects) at least a month ahead.
- Make sure users complete the training the service needs."""

EXCLUSIONS = """- Problems caused by changes made outside the IT change process.
- Equipment and software not bought through IT.
- Training beyond the standard user guides."""

AGREEMENTS = [
    {
        "service": "Payroll",
        "unit": None,
        "versions": [
            {
                "state": "superseded",
                "drafted": 450,
                "effective": -430,
                "review": -65,
                "scope": "Monthly payroll for salaried staff and weekly payroll for warehouse and transport staff, "
                "payslips online, and real-time submissions to HMRC.",
            },
            {
                "state": "agreed",
                "drafted": 80,
                "effective": -62,
                "review": 303,
                "scope": "Monthly payroll for salaried staff and weekly payroll for warehouse and transport staff, "
                "payslips and P60s online, real-time submissions to HMRC, and the salary-sacrifice pension "
                "scheme introduced this year.",
                "it_extra": "- Freeze all changes to payroll and its interfaces for the three working days before "
                "each pay date.",
            },
            {
                "state": "draft",
                "drafted": 4,
                "effective": 58,
                "review": 423,
                "scope": "Monthly payroll for salaried staff and four-weekly payroll for warehouse and transport "
                "staff, payslips and P60s online, real-time submissions to HMRC, and the salary-sacrifice "
                "pension scheme.",
                "it_extra": "- Freeze all changes to payroll and its interfaces for the three working days before "
                "each pay date.",
            },
        ],
    },
    {
        "service": "Email and calendars",
        "unit": None,
        "versions": [
            {
                "state": "agreed",
                "drafted": 380,
                "effective": -365,
                "review": 12,
                "scope": "Email, calendars and contacts for every member of staff on laptops, phones and the web, "
                "including shared mailboxes and seven-year retention.",
            }
        ],
    },
    {
        "service": "General ledger and financial reporting",
        "unit": "finance",
        "versions": [
            {
                "state": "superseded",
                "drafted": 500,
                "effective": -480,
                "review": -120,
                "scope": "The general ledger, fixed assets and accounts receivable for the four group companies, "
                "and the reports for the monthly management accounts.",
            },
            {
                "state": "agreed",
                "drafted": 130,
                "effective": -120,
                "review": 245,
                "scope": "The general ledger, fixed assets and accounts receivable for the four group companies, "
                "the reports for the monthly management accounts, and the year-end statutory accounts.",
                "it_extra": "- Keep an engineer on standby during the first five working days of each month.",
            },
        ],
    },
    {
        "service": "Purchase to pay",
        "unit": "finance",
        "versions": [
            {
                "state": "agreed",
                "drafted": 200,
                "effective": -180,
                "review": 185,
                "scope": "Requisitions, approvals and purchase orders, invoice scanning and matching, and the "
                "weekly supplier payment run.",
            }
        ],
    },
    {
        "service": "Purchase to pay",
        "unit": "operations",
        "versions": [
            {
                "state": "proposed",
                "signed": "it",
                "drafted": 12,
                "effective": 20,
                "review": 385,
                "scope": "Requisitions and purchase orders for the distribution centres, including goods receipt "
                "on the warehouse handhelds.",
            }
        ],
    },
    {
        "service": "Customer relationship management",
        "unit": "sales",
        "versions": [
            {
                "state": "superseded",
                "drafted": 720,
                "effective": -700,
                "review": -340,
                "scope": "Accounts, contacts, opportunities and activities for the field and inside sales teams.",
            },
            {
                "state": "agreed",
                "drafted": 350,
                "effective": -340,
                "review": 25,
                "scope": "Accounts, contacts, opportunities, activities and forecasts for the field and inside "
                "sales teams, on laptops and the mobile app.",
                "business_extra": "- Keep opportunities up to date by the last working day of each quarter.",
            },
        ],
    },
    {
        "service": "Customer relationship management",
        "unit": "customer-service",
        "versions": [
            {
                "state": "agreed",
                "drafted": 300,
                "effective": -290,
                "review": 75,
                "scope": "Customer records and cases for the contact centre, linked to calls and emails.",
            }
        ],
    },
    {
        "service": "Customer relationship management",
        "unit": "marketing",
        "versions": [
            {
                "state": "proposed",
                "drafted": 9,
                "effective": 21,
                "review": 386,
                "scope": "Campaign lists, consent records and campaign results for the marketing team.",
            }
        ],
    },
    {
        "service": "Online shop",
        "unit": "sales",
        "versions": [
            {
                "state": "agreed",
                "drafted": 260,
                "effective": -240,
                "review": 125,
                "scope": "The trade online shop, around the clock: customer prices, live stock, ordering and "
                "reordering, and card payments.",
                "it_extra": "- Do planned maintenance only on Sunday nights between 11pm and 3am.",
            }
        ],
    },
    {
        "service": "Customer contact centre",
        "unit": "customer-service",
        "versions": [
            {
                "state": "agreed",
                "drafted": 330,
                "effective": -310,
                "review": 55,
                "scope": "Inbound calls and emails, routing to agents, call recording, and wallboards, during the "
                "contact centre's opening hours.",
            },
            {
                "state": "proposed",
                "signed": "it",
                "drafted": 15,
                "effective": 30,
                "review": 395,
                "scope": "Inbound calls, emails and web chat, routing to agents, call recording, and wallboards, "
                "during the contact centre's opening hours including Saturday mornings.",
            },
        ],
    },
    {
        "service": "Warehouse management",
        "unit": "operations",
        "versions": [
            {
                "state": "agreed",
                "drafted": 390,
                "effective": -370,
                "review": -5,
                "scope": "Goods in, put-away, picking, dispatch and vehicle loading at Daventry, Warrington and "
                "Bristol, while the distribution centres are working.",
                "it_extra": "- Cover the distribution centres around the clock from October to December.",
                "business_extra": "- Keep the paper fallback procedure rehearsed at every site.",
            }
        ],
    },
    {
        "service": "Transport and delivery planning",
        "unit": "operations",
        "versions": [
            {
                "state": "proposed",
                "signed": "business",
                "drafted": 20,
                "effective": 10,
                "review": 375,
                "scope": "Route planning for our vehicles and carriers, driver handheld apps, proof of delivery "
                "and delivery-window text messages to customers.",
            }
        ],
    },
    {
        "service": "Remote office connectivity",
        "unit": "remote-offices",
        "versions": [
            {
                "state": "agreed",
                "drafted": 350,
                "effective": -337,
                "review": 28,
                "scope": "A business fibre line and an automatic 4G backup at each of the twelve regional offices.",
                "it_extra": "- Chase the line provider to fix a failed line within eight working hours.",
            }
        ],
    },
    {
        "service": "Office network and Wi-Fi",
        "unit": None,
        "versions": [
            {
                "state": "agreed",
                "drafted": 240,
                "effective": -230,
                "review": 135,
                "scope": "Wired and wireless networks at head office, the distribution centres and the regional "
                "offices, including guest Wi-Fi.",
            }
        ],
    },
    {
        "service": "Sign-in and single sign-on",
        "unit": None,
        "versions": [
            {
                "state": "agreed",
                "drafted": 150,
                "effective": -140,
                "review": 225,
                "scope": "Work accounts, single sign-on to business systems, multi-factor authentication and "
                "self-service password reset.",
            }
        ],
    },
    {
        "service": "HR information system",
        "unit": "human-resources",
        "versions": [
            {
                "state": "agreed",
                "drafted": 210,
                "effective": -200,
                "review": 165,
                "scope": "Employee records, holidays, absence and reviews, with self-service for staff and "
                "managers, and the feeds to payroll and to starters, movers and leavers.",
            }
        ],
    },
    {
        "service": "Time and attendance",
        "unit": "operations",
        "versions": [
            {
                "state": "draft",
                "drafted": 3,
                "effective": 45,
                "review": 410,
                "scope": "Clocking in and out at terminals and on the app, shift rotas, overtime approval and the "
                "weekly feed of hours to payroll.",
            }
        ],
    },
    {
        "service": "Fleet tracking",
        "unit": "operations",
        "versions": [
            {
                "state": "withdrawn",
                "from": "agreed",
                "drafted": 600,
                "effective": -580,
                "review": 150,
                "withdrawn": 40,
                "reason": "Fleet tracking is being retired: live vehicle location now comes from transport and "
                "delivery planning.",
                "scope": "Vehicle location, speed and driving reports for the delivery fleet.",
            }
        ],
    },
    {
        "service": "Desk phones",
        "unit": "finance",
        "versions": [
            {
                "state": "superseded",
                "drafted": 800,
                "effective": -780,
                "review": -415,
                "scope": "Desk phones and extensions at head office, with voicemail.",
            },
            {
                "state": "withdrawn",
                "from": "agreed",
                "drafted": 430,
                "effective": -415,
                "review": 315,
                "withdrawn": 25,
                "reason": "Finance has moved to cloud telephony; the remaining desk phones are being collected.",
                "scope": "Desk phones and extensions at head office, with voicemail and call groups for accounts "
                "payable and credit control.",
            },
        ],
    },
    {
        "service": "E-signature",
        "unit": "legal",
        "versions": [
            {
                "state": "withdrawn",
                "from": "proposed",
                "drafted": 60,
                "effective": -30,
                "review": 335,
                "withdrawn": 45,
                "reason": "Legal's review narrowed the documents that may be signed electronically; a new draft "
                "follows.",
                "scope": "Electronic signature of all contracts, offer letters and supplier agreements.",
            },
            {
                "state": "draft",
                "drafted": 10,
                "effective": 40,
                "review": 405,
                "scope": "Electronic signature of standard sales contracts, offer letters and supplier agreements "
                "under £250,000, with signed copies filed in the document archive.",
            },
        ],
    },
    {
        "service": "Document archive",
        "unit": "legal",
        "versions": [
            {
                "state": "agreed",
                "drafted": 180,
                "effective": -170,
                "review": 195,
                "scope": "Filing, search and retrieval of contracts, invoices, personnel files and board papers, "
                "and deletion at the end of each retention period.",
            }
        ],
    },
    {
        "service": "Management dashboards",
        "unit": "finance",
        "versions": [
            {
                "state": "proposed",
                "signed": "it",
                "drafted": 8,
                "effective": 23,
                "review": 388,
                "scope": "Daily sales and margin, stock valuation and cost-centre dashboards, refreshed by 7am.",
            }
        ],
    },
    {
        "service": "Expenses",
        "unit": None,
        "versions": [
            {
                "state": "agreed",
                "drafted": 270,
                "effective": -250,
                "review": 115,
                "scope": "The expenses app for every member of staff, card feeds, and the monthly payment of "
                "approved claims with salaries.",
            }
        ],
    },
    {
        "service": "Backup and recovery",
        "unit": None,
        "versions": [
            {
                "state": "agreed",
                "drafted": 370,
                "effective": -360,
                "review": 5,
                "scope": "Nightly backups of business systems and files, 30-day immutable copies, quarterly "
                "restore tests and an annual recovery rehearsal.",
            }
        ],
    },
    {
        "service": "IT service desk",
        "unit": None,
        "versions": [
            {
                "state": "superseded",
                "drafted": 760,
                "effective": -730,
                "review": -365,
                "scope": "Telephone and portal support on weekdays, 8am to 6pm.",
            },
            {
                "state": "agreed",
                "drafted": 380,
                "effective": -365,
                "review": 18,
                "scope": "Telephone, portal and chat support on weekdays 7am to 7pm and Saturdays 8am to 1pm, "
                "and out-of-hours on-call for site-wide and critical-system failures.",
            },
        ],
    },
    {
        "service": "On-site support for remote offices",
        "unit": "remote-offices",
        "versions": [
            {
                "state": "proposed",
                "drafted": 5,
                "effective": 25,
                "review": 390,
                "scope": "Next-working-day engineer visits to the regional offices, four-hour visits when an "
                "office cannot work, and a quarterly scheduled visit.",
            }
        ],
    },
    {
        "service": "Customer self-service portal",
        "unit": "customer-service",
        "versions": [
            {
                "state": "draft",
                "drafted": 14,
                "effective": None,
                "review": None,
                "scope": "Delivery tracking, invoice copies and returns for trade customers, during the pilot.",
            }
        ],
    },
    {
        "service": "Finance archive (old accounts system)",
        "unit": "finance",
        "versions": [
            {
                "state": "withdrawn",
                "from": "agreed",
                "drafted": 1200,
                "effective": -1180,
                "review": -815,
                "withdrawn": 300,
                "reason": "The old accounts system was switched off; its records are in the document archive.",
                "scope": "Read-only access to ledgers and invoices from before the ERP.",
            }
        ],
    },
    {
        "service": "Recruitment",
        "unit": "human-resources",
        "versions": [
            {
                "state": "agreed",
                "drafted": 160,
                "effective": -150,
                "review": 215,
                "scope": "Vacancies, job adverts, applications, interviews and offers, and the hand-over of new "
                "starters to the HR system.",
            }
        ],
    },
    {
        "service": "Marketing email and campaigns",
        "unit": "marketing",
        "versions": [
            {
                "state": "agreed",
                "drafted": 100,
                "effective": -90,
                "review": 275,
                "scope": "The monthly newsletter, promotions and event invitations, consent management and "
                "campaign reporting.",
            }
        ],
    },
    {
        "service": "Laptops and desktops",
        "unit": None,
        "versions": [
            {
                "state": "agreed",
                "drafted": 230,
                "effective": -215,
                "review": 150,
                "scope": "Standard, light and high-performance laptops and desktops, set up for each role, "
                "repaired or swapped when they fail, and replaced every four years.",
                "it_extra": "- Replace a failed or lost laptop by the next working day (two for remote offices).",
            }
        ],
    },
]
