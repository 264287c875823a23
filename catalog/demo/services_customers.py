"""Demo services: sales & customers, operations & supply chain."""

SERVICES = [
    {
        "name": "Customer relationship management",
        "category": "sales",
        "lifecycle": "live",
        "criticality": 1,
        "service_owner": "sophie.laurent",
        "business_owner": "oliver.bennett",
        "business_units": ["sales", "customer-service", "marketing", "remote-offices"],
        "annual_cost": "224000.00",
        "summary": "One view of every customer: accounts, contacts, opportunities, orders and cases.",
        "description": """
            The CRM holds our 14,000 trade accounts and their contacts, the sales pipeline, quotes and
            the history of every call, visit and complaint. Account managers use it on their laptop and
            phone between visits; the contact centre sees the same record when a customer calls.

            Sales forecasts and commission are calculated from the opportunities recorded here, so an
            outage at quarter end is treated as urgent.
        """,
        "how_to_request": """
            Access comes with the role for Sales and Customer Service staff. Others ask on the service
            desk portal with their manager's approval.
        """,
        "cost_drivers": ["CRM subscriptions (310 users)", "Integration platform", "Admin and change team"],
        "keywords": "CRM, Salesforce, customer, account, pipeline, opportunity, contact",
        "depends_on": ["Sign-in and single sign-on", "Customer and product master data"],
    },
    {
        "name": "Online shop",
        "category": "sales",
        "lifecycle": "live",
        "criticality": 1,
        "service_owner": "sophie.laurent",
        "business_owner": "oliver.bennett",
        "business_units": ["sales", "marketing", "operations", "customer-service"],
        "annual_cost": "298000.00",
        "summary": "Where trade customers order online, around the clock, at their own prices.",
        "description": """
            About 40% of our orders arrive through the online shop. Trade customers see their own
            prices and credit limit, live stock at their nearest distribution centre, and can reorder
            from past orders in two clicks.

            Orders flow straight to the warehouse; those placed by 6pm are delivered the next working
            day. The shop is monitored 24 hours a day, and planned maintenance happens on Sunday nights.
        """,
        "how_to_request": """
            Customers register on the shop and are approved by their account manager. Marketing edits
            content and promotions; ask Sophie Laurent's team for access.
        """,
        "cost_drivers": ["E-commerce platform licence", "Hosting and content delivery", "Card payment fees"],
        "keywords": "web shop, e-commerce, website, online orders, trade portal",
        "depends_on": [
            "Customer relationship management",
            "Stock control and replenishment",
            "Banking and payments gateway",
            "Server hosting",
        ],
    },
    {
        "name": "Quotes and pricing",
        "category": "sales",
        "lifecycle": "live",
        "criticality": 2,
        "service_owner": "sophie.laurent",
        "business_owner": "oliver.bennett",
        "business_units": ["sales", "remote-offices"],
        "annual_cost": "71000.00",
        "summary": "Build accurate quotes with the right prices, discounts and approvals, in minutes.",
        "description": """
            Sales build quotes for large and project orders inside the CRM. Price lists and customer
            agreements come from the ERP; discounts beyond a salesperson's limit go to their manager
            for approval on their phone.

            Quotes go to the customer as branded PDFs and, once accepted, become orders without
            retyping.
        """,
        "how_to_request": "Included with CRM access for Sales. Price list changes are requested by Commercial Finance.",
        "cost_drivers": ["Quoting add-on licences", "Price list maintenance"],
        "keywords": "quote, quotation, pricing, discount, CPQ, price list",
        "depends_on": ["Customer relationship management", "General ledger and financial reporting"],
    },
    {
        "name": "Customer contact centre",
        "category": "sales",
        "lifecycle": "live",
        "criticality": 1,
        "service_owner": "sophie.laurent",
        "business_owner": "lucy.martin",
        "business_units": ["customer-service"],
        "annual_cost": "167000.00",
        "summary": "Calls, emails and web chat from customers, routed to the right agent with their history.",
        "description": """
            The contact centre platform answers about 2,500 customer calls and 900 emails a day. Calls
            are routed by topic and customer priority; the agent sees the customer's CRM record before
            they say hello. Calls are recorded for training and disputes.

            Opening hours are 7am to 8pm on weekdays and 8am to 12 noon on Saturdays. Outside these
            hours callers hear a message and can leave a voicemail that becomes a case.
        """,
        "how_to_request": "Agents are set up by the contact centre's workforce planners. Report problems by phone.",
        "cost_drivers": ["Contact centre licences (85 agents)", "Call minutes", "Call recording storage"],
        "keywords": "contact centre, call centre, calls, queue, agents, web chat",
        "depends_on": ["Cloud telephony", "Customer relationship management"],
    },
    {
        "name": "Marketing email and campaigns",
        "category": "sales",
        "lifecycle": "live",
        "criticality": 3,
        "service_owner": "sophie.laurent",
        "business_owner": "ben.harper",
        "business_units": ["marketing", "sales"],
        "annual_cost": "52000.00",
        "summary": "Newsletters, promotions and event invitations to customers who agreed to hear from us.",
        "description": """
            Marketing sends the monthly trade newsletter, seasonal promotions and trade-show invitations
            to customers who have opted in. Lists come from the CRM, and unsubscribes flow back to it
            so nobody is emailed against their wishes.

            Results (opens, clicks, orders that followed) are reported to the campaign owner.
        """,
        "how_to_request": "Marketing runs campaigns for other teams; brief them at least two weeks ahead.",
        "cost_drivers": ["Marketing automation subscription (per contact)"],
        "keywords": "newsletter, campaign, marketing, email, promotion, mailing",
        "depends_on": ["Customer relationship management"],
    },
    {
        "name": "Customer self-service portal",
        "category": "sales",
        "lifecycle": "proposed",
        "criticality": 2,
        "service_owner": "sophie.laurent",
        "business_owner": "lucy.martin",
        "business_units": ["customer-service", "sales"],
        "annual_cost": "85000.00",
        "summary": "Proposed: customers track deliveries, download invoices and raise returns themselves.",
        "description": """
            About a third of calls to the contact centre ask where a delivery is or for a copy of an
            invoice. The proposed portal would let customers answer those questions themselves, at any
            hour, and raise returns with a photo of the damaged item.

            The business case assumes 20% fewer calls in the first year. A pilot with twenty trade
            customers is planned for the spring.
        """,
        "how_to_request": """
            Not available yet. Customers interested in the pilot can be put forward by their account
            manager.
        """,
        "cost_drivers": ["Portal licences", "Integration with transport planning and the ERP"],
        "keywords": "portal, self-service, track delivery, invoice copy, returns",
        "depends_on": ["Customer relationship management", "Sign-in and single sign-on"],
    },
    {
        "name": "Warehouse management",
        "category": "operations",
        "lifecycle": "live",
        "criticality": 1,
        "service_owner": "marta.nowak",
        "business_owner": "fiona.macleod",
        "business_units": ["operations"],
        "annual_cost": "276000.00",
        "summary": "Receiving, putting away, picking and dispatching in our three distribution centres.",
        "description": """
            The warehouse management system directs every movement in Daventry, Warrington and Bristol:
            goods received from suppliers, where they are put away, the pick lists for each order and
            the loading of each vehicle.

            The distribution centres work from 5am to 11pm, and around the clock from October to
            December. If the system stops, picking stops: problems are handled as top priority at any
            hour, with a paper fallback procedure for up to four hours.
        """,
        "how_to_request": "Access is set up by each site's operations manager. Call the service desk for any fault.",
        "cost_drivers": ["WMS licences and support", "Hosting", "Peak-season on-call cover"],
        "keywords": "warehouse, WMS, picking, dispatch, distribution centre, goods in",
        "depends_on": ["Stock control and replenishment", "Server hosting", "Office network and Wi-Fi"],
    },
    {
        "name": "Stock control and replenishment",
        "category": "operations",
        "lifecycle": "live",
        "criticality": 2,
        "service_owner": "marta.nowak",
        "business_owner": "fiona.macleod",
        "business_units": ["operations", "finance", "sales"],
        "annual_cost": "94000.00",
        "summary": "How much we hold of each product, where, and when to reorder from suppliers.",
        "description": """
            Stock levels for 22,000 products across the three distribution centres, valued for the
            accounts and shared with the online shop. Replenishment suggests purchase orders from sales
            history, seasonality and supplier lead times; the buyers review and release them.

            The nightly stock valuation feeds the general ledger.
        """,
        "how_to_request": "Buyers and operations planners get access through their manager on the service desk portal.",
        "cost_drivers": ["ERP inventory licences", "Forecasting add-on"],
        "keywords": "stock, inventory, replenishment, reorder, forecast, availability",
        "depends_on": ["General ledger and financial reporting"],
    },
    {
        "name": "Transport and delivery planning",
        "category": "operations",
        "lifecycle": "live",
        "criticality": 2,
        "service_owner": "marta.nowak",
        "business_owner": "fiona.macleod",
        "business_units": ["operations", "customer-service"],
        "annual_cost": "83000.00",
        "summary": "Plans tomorrow's delivery routes and tells customers when to expect us.",
        "description": """
            Every evening the planners build the next day's routes for our 65 vehicles and the carriers
            we use for overflow. Drivers follow the route on their handheld and capture a signature and
            photo on delivery.

            Customers receive a one-hour delivery window by text message on the morning of delivery,
            and the contact centre sees live progress.
        """,
        "how_to_request": "Transport planners and contact centre staff get access through their manager.",
        "cost_drivers": ["Route planning subscription", "Driver handheld data plans", "Text message costs"],
        "keywords": "transport, delivery, routes, planning, drivers, proof of delivery",
        "depends_on": ["Warehouse management"],
    },
    {
        "name": "Handheld scanners",
        "category": "operations",
        "lifecycle": "live",
        "criticality": 2,
        "service_owner": "marta.nowak",
        "business_owner": "fiona.macleod",
        "business_units": ["operations"],
        "annual_cost": "67000.00",
        "summary": "Rugged scanners and vehicle-mounted terminals for warehouse and delivery staff.",
        "description": """
            Pickers, forklift drivers and delivery drivers use rugged handheld scanners and
            vehicle-mounted terminals to work with the warehouse management system. Each site keeps
            spares charged; a failed unit is swapped at the start of the next shift.

            Devices are repaired by the manufacturer under a three-day turnaround contract.
        """,
        "how_to_request": "Ask your shift manager, who takes a spare from the site's pool and logs the faulty unit.",
        "cost_drivers": ["Device leases (410 units)", "Repair contract", "Batteries and accessories"],
        "keywords": "scanner, handheld, RF gun, terminal, Zebra, barcode",
        "depends_on": ["Warehouse management", "Office network and Wi-Fi"],
    },
    {
        "name": "Fleet tracking",
        "category": "operations",
        "lifecycle": "retiring",
        "criticality": 3,
        "service_owner": "marta.nowak",
        "business_owner": "fiona.macleod",
        "business_units": ["operations"],
        "annual_cost": "24000.00",
        "summary": "Vehicle location and driver behaviour. Retiring: transport planning now does this.",
        "description": """
            The stand-alone tracking boxes in our vehicles report location, speed and harsh braking.
            Transport and delivery planning now provides live location through the drivers'
            handhelds, so the boxes are removed as vehicles come in for service.

            The contract ends in June; reports on driver behaviour move to the transport planning
            dashboard before then.
        """,
        "how_to_request": "No new vehicles are fitted. Ask the transport office for historic journey reports.",
        "cost_drivers": ["Tracking contract (per vehicle)"],
        "keywords": "tracking, telematics, vehicles, fleet, GPS",
        "depends_on": [],
    },
]
