/* The dashboard's routes (routes_dashboard.c). */
#ifndef CLR_SERVER_ROUTES_DASHBOARD_H
#define CLR_SERVER_ROUTES_DASHBOARD_H

#include "server.h"

void srv_route_rules_timeline(srv_req *r);
void srv_route_audit_stats(srv_req *r);
void srv_route_admin_screening(srv_req *r);
void srv_route_ui(srv_req *r);

#endif
