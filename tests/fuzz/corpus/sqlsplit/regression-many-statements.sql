-- c

select 0; select 1;
-- c

select 2; select 3;
-- c

select 4; select 5;
-- c

select 6; select 7;
-- c

select 8; select 9;
-- c

select 10; select 11;
-- c

select 12; select 13;
-- c

select 14; select 15;
-- c

select 16; select 17;
-- c

select 18; select 19;
-- c

select 20; select 21;
-- c

select 22; select 23;
-- c

select 24; select 25;
-- c

select 26; select 27;
-- c

select 28; select 29;
-- c

select 30; select 31;
-- c

select 32; select 33;
-- c

select 34; select 35;
-- c

select 36; select 37;
-- c

select 38; select 39;
-- c

select 40; select 41;
-- c

select 42; select 43;
-- c

select 44; select 45;
-- c

select 46; select 47;
-- c

select 48; select 49;
-- c

select 50; select 51;
-- c

select 52; select 53;
-- c

select 54; select 55;
-- c

select 56; select 57;
-- c

select 58; select 59;
-- c

select 60; select 61;
-- c

select 62; select 63;
-- c

select 64; select 65;
-- c

select 66; select 67;
-- c

select 68; select 69;
-- c

select 70; select 71;
-- c

select 72; select 73;
-- c

select 74; select 75;
-- c

select 76; select 77;
-- c

select 78; select 79;
-- c

select 80; select 81;
-- c

select 82; select 83;
-- c

select 84; select 85;
-- c

select 86; select 87;
-- c

select 88; select 89;
-- c

select 90; select 91;
-- c

select 92; select 93;
-- c

select 94; select 95;
-- c

select 96; select 97;
-- c

select 98; select 99;
-- c

select 100; select 101;
-- c

select 102; select 103;
-- c

select 104; select 105;
-- c

select 106; select 107;
-- c

select 108; select 109;
-- c

select 110; select 111;
-- c

select 112; select 113;
-- c

select 114; select 115;
-- c

select 116; select 117;
-- c

select 118; select 119;
-- c

select 120; select 121;
-- c

select 122; select 123;
-- c

select 124; select 125;
-- c

select 126; select 127;
-- c

select 128; select 129;
-- c

select 130; select 131;
-- c

select 132; select 133;
-- c

select 134; select 135;
-- c

select 136; select 137;
-- c

select 138; select 139;
-- c

select 140; select 141;
-- c

select 142; select 143;
-- c

select 144; select 145;
-- c

select 146; select 147;
-- c

select 148; select 149;
-- c

select 150; select 151;
-- c

select 152; select 153;
-- c

select 154; select 155;
-- c

select 156; select 157;
-- c

select 158; select 159;
-- c

select 160; select 161;
-- c

select 162; select 163;
-- c

select 164; select 165;
-- c

select 166; select 167;
-- c

select 168; select 169;
-- c

select 170; select 171;
-- c

select 172; select 173;
-- c

select 174; select 175;
-- c

select 176; select 177;
-- c

select 178; select 179;
-- c

select 180; select 181;
-- c

select 182; select 183;
-- c

select 184; select 185;
-- c

select 186; select 187;
-- c

select 188; select 189;
-- c

select 190; select 191;
-- c

select 192; select 193;
-- c

select 194; select 195;
-- c

select 196; select 197;
-- c

select 198; select 199;
-- c

select 200; select 201;
-- c

select 202; select 203;
-- c

select 204; select 205;
-- c

select 206; select 207;
-- c

select 208; select 209;
-- c

select 210; select 211;
-- c

select 212; select 213;
-- c

select 214; select 215;
-- c

select 216; select 217;
-- c

select 218; select 219;
-- c

select 220; select 221;
-- c

select 222; select 223;
-- c

select 224; select 225;
-- c

select 226; select 227;
-- c

select 228; select 229;
-- c

select 230; select 231;
-- c

select 232; select 233;
-- c

select 234; select 235;
-- c

select 236; select 237;
-- c

select 238; select 239;
-- c

select 240; select 241;
-- c

select 242; select 243;
-- c

select 244; select 245;
-- c

select 246; select 247;
-- c

select 248; select 249;
-- c

select 250; select 251;
-- c

select 252; select 253;
-- c

select 254; select 255;
-- c

select 256; select 257;
-- c

select 258; select 259;
-- c

select 260; select 261;
-- c

select 262; select 263;
-- c

select 264; select 265;
-- c

select 266; select 267;
-- c

select 268; select 269;
-- c

select 270; select 271;
-- c

select 272; select 273;
-- c

select 274; select 275;
-- c

select 276; select 277;
-- c

select 278; select 279;
-- c

select 280; select 281;
-- c

select 282; select 283;
-- c

select 284; select 285;
-- c

select 286; select 287;
-- c

select 288; select 289;
-- c

select 290; select 291;
-- c

select 292; select 293;
-- c

select 294; select 295;
-- c

select 296; select 297;
-- c

select 298; select 299;
-- c

select 300; select 301;
-- c

select 302; select 303;
-- c

select 304; select 305;
-- c

select 306; select 307;
-- c

select 308; select 309;
-- c

select 310; select 311;
-- c

select 312; select 313;
-- c

select 314; select 315;
-- c

select 316; select 317;
-- c

select 318; select 319;
-- c

select 320; select 321;
-- c

select 322; select 323;
-- c

select 324; select 325;
-- c

select 326; select 327;
-- c

select 328; select 329;
-- c

select 330; select 331;
-- c

select 332; select 333;
-- c

select 334; select 335;
-- c

select 336; select 337;
-- c

select 338; select 339;
-- c

select 340; select 341;
-- c

select 342; select 343;
-- c

select 344; select 345;
-- c

select 346; select 347;
-- c

select 348; select 349;
-- c

select 350; select 351;
-- c

select 352; select 353;
-- c

select 354; select 355;
-- c

select 356; select 357;
-- c

select 358; select 359;
-- c

select 360; select 361;
-- c

select 362; select 363;
-- c

select 364; select 365;
-- c

select 366; select 367;
-- c

select 368; select 369;
-- c

select 370; select 371;
-- c

select 372; select 373;
-- c

select 374; select 375;
-- c

select 376; select 377;
-- c

select 378; select 379;
-- c

select 380; select 381;
-- c

select 382; select 383;
-- c

select 384; select 385;
-- c

select 386; select 387;
-- c

select 388; select 389;
-- c

select 390; select 391;
-- c

select 392; select 393;
-- c

select 394; select 395;
-- c

select 396; select 397;
-- c

select 398; select 399;
-- c

select 400; select 401;
-- c

select 402; select 403;
-- c

select 404; select 405;
-- c

select 406; select 407;
-- c

select 408; select 409;
-- c

select 410; select 411;
-- c

select 412; select 413;
-- c

select 414; select 415;
-- c

select 416; select 417;
-- c

select 418; select 419;
-- c

select 420; select 421;
-- c

select 422; select 423;
-- c

select 424; select 425;
-- c

select 426; select 427;
-- c

select 428; select 429;
-- c

select 430; select 431;
-- c

select 432; select 433;
-- c

select 434; select 435;
-- c

select 436; select 437;
-- c

select 438; select 439;
-- c

select 440; select 441;
-- c

select 442; select 443;
-- c

select 444; select 445;
-- c

select 446; select 447;
-- c

select 448; select 449;
-- c

select 450; select 451;
-- c

select 452; select 453;
-- c

select 454; select 455;
-- c

select 456; select 457;
-- c

select 458; select 459;
-- c

select 460; select 461;
-- c

select 462; select 463;
-- c

select 464; select 465;
-- c

select 466; select 467;
-- c

select 468; select 469;
-- c

select 470; select 471;
-- c

select 472; select 473;
-- c

select 474; select 475;
-- c

select 476; select 477;
-- c

select 478; select 479;
-- c

select 480; select 481;
-- c

select 482; select 483;
-- c

select 484; select 485;
-- c

select 486; select 487;
-- c

select 488; select 489;
-- c

select 490; select 491;
-- c

select 492; select 493;
-- c

select 494; select 495;
-- c

select 496; select 497;
-- c

select 498; select 499;
-- c

select 500; select 501;
-- c

select 502; select 503;
-- c

select 504; select 505;
-- c

select 506; select 507;
-- c

select 508; select 509;
-- c

select 510; select 511;
-- c

select 512; select 513;
-- c

select 514; select 515;
-- c

select 516; select 517;
-- c

select 518; select 519;
-- c

select 520; select 521;
-- c

select 522; select 523;
-- c

select 524; select 525;
-- c

select 526; select 527;
-- c

select 528; select 529;
-- c

select 530; select 531;
-- c

select 532; select 533;
-- c

select 534; select 535;
-- c

select 536; select 537;
-- c

select 538; select 539;
-- c

select 540; select 541;
-- c

select 542; select 543;
-- c

select 544; select 545;
-- c

select 546; select 547;
-- c

select 548; select 549;
-- c

select 550; select 551;
-- c

select 552; select 553;
-- c

select 554; select 555;
-- c

select 556; select 557;
-- c

select 558; select 559;
-- c

select 560; select 561;
-- c

select 562; select 563;
-- c

select 564; select 565;
-- c

select 566; select 567;
-- c

select 568; select 569;
-- c

select 570; select 571;
-- c

select 572; select 573;
-- c

select 574; select 575;
-- c

select 576; select 577;
-- c

select 578; select 579;
-- c

select 580; select 581;
-- c

select 582; select 583;
-- c

select 584; select 585;
-- c

select 586; select 587;
-- c

select 588; select 589;
-- c

select 590; select 591;
-- c

select 592; select 593;
-- c

select 594; select 595;
-- c

select 596; select 597;
-- c

select 598; select 599;
-- c

select 600; select 601;
-- c

select 602; select 603;
-- c

select 604; select 605;
-- c

select 606; select 607;
-- c

select 608; select 609;
-- c

select 610; select 611;
-- c

select 612; select 613;
-- c

select 614; select 615;
-- c

select 616; select 617;
-- c

select 618; select 619;
-- c

select 620; select 621;
-- c

select 622; select 623;
-- c

select 624; select 625;
-- c

select 626; select 627;
-- c

select 628; select 629;
-- c

select 630; select 631;
-- c

select 632; select 633;
-- c

select 634; select 635;
-- c

select 636; select 637;
-- c

select 638; select 639;
-- c

select 640; select 641;
-- c

select 642; select 643;
-- c

select 644; select 645;
-- c

select 646; select 647;
-- c

select 648; select 649;
-- c

select 650; select 651;
-- c

select 652; select 653;
-- c

select 654; select 655;
-- c

select 656; select 657;
-- c

select 658; select 659;
-- c

select 660; select 661;
-- c

select 662; select 663;
-- c

select 664; select 665;
-- c

select 666; select 667;
-- c

select 668; select 669;
-- c

select 670; select 671;
-- c

select 672; select 673;
-- c

select 674; select 675;
-- c

select 676; select 677;
-- c

select 678; select 679;
-- c

select 680; select 681;
-- c

select 682; select 683;
-- c

select 684; select 685;
-- c

select 686; select 687;
-- c

select 688; select 689;
-- c

select 690; select 691;
-- c

select 692; select 693;
-- c

select 694; select 695;
-- c

select 696; select 697;
-- c

select 698; select 699;
-- c

select 700; select 701;
-- c

select 702; select 703;
-- c

select 704; select 705;
-- c

select 706; select 707;
-- c

select 708; select 709;
-- c

select 710; select 711;
-- c

select 712; select 713;
-- c

select 714; select 715;
-- c

select 716; select 717;
-- c

select 718; select 719;
-- c

select 720; select 721;
-- c

select 722; select 723;
-- c

select 724; select 725;
-- c

select 726; select 727;
-- c

select 728; select 729;
-- c

select 730; select 731;
-- c

select 732; select 733;
-- c

select 734; select 735;
-- c

select 736; select 737;
-- c

select 738; select 739;
-- c

select 740; select 741;
-- c

select 742; select 743;
-- c

select 744; select 745;
-- c

select 746; select 747;
-- c

select 748; select 749;
-- c

select 750; select 751;
-- c

select 752; select 753;
-- c

select 754; select 755;
-- c

select 756; select 757;
-- c

select 758; select 759;
-- c

select 760; select 761;
-- c

select 762; select 763;
-- c

select 764; select 765;
-- c

select 766; select 767;
-- c

select 768; select 769;
-- c

select 770; select 771;
-- c

select 772; select 773;
-- c

select 774; select 775;
-- c

select 776; select 777;
-- c

select 778; select 779;
-- c

select 780; select 781;
-- c

select 782; select 783;
-- c

select 784; select 785;
-- c

select 786; select 787;
-- c

select 788; select 789;
-- c

select 790; select 791;
-- c

select 792; select 793;
-- c

select 794; select 795;
-- c

select 796; select 797;
-- c

select 798; select 799;
-- c

select 800; select 801;
-- c

select 802; select 803;
-- c

select 804; select 805;
-- c

select 806; select 807;
-- c

select 808; select 809;
-- c

select 810; select 811;
-- c

select 812; select 813;
-- c

select 814; select 815;
-- c

select 816; select 817;
-- c

select 818; select 819;
-- c

select 820; select 821;
-- c

select 822; select 823;
-- c

select 824; select 825;
-- c

select 826; select 827;
-- c

select 828; select 829;
-- c

select 830; select 831;
-- c

select 832; select 833;
-- c

select 834; select 835;
-- c

select 836; select 837;
-- c

select 838; select 839;
-- c

select 840; select 841;
-- c

select 842; select 843;
-- c

select 844; select 845;
-- c

select 846; select 847;
-- c

select 848; select 849;
-- c

select 850; select 851;
-- c

select 852; select 853;
-- c

select 854; select 855;
-- c

select 856; select 857;
-- c

select 858; select 859;
-- c

select 860; select 861;
-- c

select 862; select 863;
-- c

select 864; select 865;
-- c

select 866; select 867;
-- c

select 868; select 869;
-- c

select 870; select 871;
-- c

select 872; select 873;
-- c

select 874; select 875;
-- c

select 876; select 877;
-- c

select 878; select 879;
-- c

select 880; select 881;
-- c

select 882; select 883;
-- c

select 884; select 885;
-- c

select 886; select 887;
-- c

select 888; select 889;
-- c

select 890; select 891;
-- c

select 892; select 893;
-- c

select 894; select 895;
-- c

select 896; select 897;
-- c

select 898; select 899;
-- c

select 900; select 901;
-- c

select 902; select 903;
-- c

select 904; select 905;
-- c

select 906; select 907;
-- c

select 908; select 909;
-- c

select 910; select 911;
-- c

select 912; select 913;
-- c

select 914; select 915;
-- c

select 916; select 917;
-- c

select 918; select 919;
-- c

select 920; select 921;
-- c

select 922; select 923;
-- c

select 924; select 925;
-- c

select 926; select 927;
-- c

select 928; select 929;
-- c

select 930; select 931;
-- c

select 932; select 933;
-- c

select 934; select 935;
-- c

select 936; select 937;
-- c

select 938; select 939;
-- c

select 940; select 941;
-- c

select 942; select 943;
-- c

select 944; select 945;
-- c

select 946; select 947;
-- c

select 948; select 949;
-- c

select 950; select 951;
-- c

select 952; select 953;
-- c

select 954; select 955;
-- c

select 956; select 957;
-- c

select 958; select 959;
-- c

select 960; select 961;
-- c

select 962; select 963;
-- c

select 964; select 965;
-- c

select 966; select 967;
-- c

select 968; select 969;
-- c

select 970; select 971;
-- c

select 972; select 973;
-- c

select 974; select 975;
-- c

select 976; select 977;
-- c

select 978; select 979;
-- c

select 980; select 981;
-- c

select 982; select 983;
-- c

select 984; select 985;
-- c

select 986; select 987;
-- c

select 988; select 989;
-- c

select 990; select 991;
-- c

select 992; select 993;
-- c

select 994; select 995;
-- c

select 996; select 997;
-- c

select 998; select 999;
-- c

select 1000; select 1001;
-- c

select 1002; select 1003;
-- c

select 1004; select 1005;
-- c

select 1006; select 1007;
-- c

select 1008; select 1009;
-- c

select 1010; select 1011;
-- c

select 1012; select 1013;
-- c

select 1014; select 1015;
-- c

select 1016; select 1017;
-- c

select 1018; select 1019;
-- c

select 1020; select 1021;
-- c

select 1022; select 1023;
-- c

select 1024; select 1025;
-- c

select 1026; select 1027;
-- c

select 1028; select 1029;
-- c

select 1030; select 1031;
-- c

select 1032; select 1033;
-- c

select 1034; select 1035;
-- c

select 1036; select 1037;
-- c

select 1038; select 1039;
-- c

select 1040; select 1041;
-- c

select 1042; select 1043;
-- c

select 1044; select 1045;
-- c

select 1046; select 1047;
-- c

select 1048; select 1049;
-- c

select 1050; select 1051;
-- c

select 1052; select 1053;
-- c

select 1054; select 1055;
-- c

select 1056; select 1057;
-- c

select 1058; select 1059;
-- c

select 1060; select 1061;
-- c

select 1062; select 1063;
-- c

select 1064; select 1065;
-- c

select 1066; select 1067;
-- c

select 1068; select 1069;
-- c

select 1070; select 1071;
-- c

select 1072; select 1073;
-- c

select 1074; select 1075;
-- c

select 1076; select 1077;
-- c

select 1078; select 1079;
-- c

select 1080; select 1081;
-- c

select 1082; select 1083;
-- c

select 1084; select 1085;
-- c

select 1086; select 1087;
-- c

select 1088; select 1089;
-- c

select 1090; select 1091;
-- c

select 1092; select 1093;
-- c

select 1094; select 1095;
-- c

select 1096; select 1097;
-- c

select 1098; select 1099;
-- c

select 1100; select 1101;
-- c

select 1102; select 1103;
-- c

select 1104; select 1105;
-- c

select 1106; select 1107;
-- c

select 1108; select 1109;
-- c

select 1110; select 1111;
-- c

select 1112; select 1113;
-- c

select 1114; select 1115;
-- c

select 1116; select 1117;
-- c

select 1118; select 1119;
-- c

select 1120; select 1121;
-- c

select 1122; select 1123;
-- c

select 1124; select 1125;
-- c

select 1126; select 1127;
-- c

select 1128; select 1129;
-- c

select 1130; select 1131;
-- c

select 1132; select 1133;
-- c

select 1134; select 1135;
-- c

select 1136; select 1137;
-- c

select 1138; select 1139;
-- c

select 1140; select 1141;
-- c

select 1142; select 1143;
-- c

select 1144; select 1145;
-- c

select 1146; select 1147;
-- c

select 1148; select 1149;
-- c

select 1150; select 1151;
-- c

select 1152; select 1153;
-- c

select 1154; select 1155;
-- c

select 1156; select 1157;
-- c

select 1158; select 1159;
-- c

select 1160; select 1161;
-- c

select 1162; select 1163;
-- c

select 1164; select 1165;
-- c

select 1166; select 1167;
-- c

select 1168; select 1169;
-- c

select 1170; select 1171;
-- c

select 1172; select 1173;
-- c

select 1174; select 1175;
-- c

select 1176; select 1177;
-- c

select 1178; select 1179;
-- c

select 1180; select 1181;
-- c

select 1182; select 1183;
-- c

select 1184; select 1185;
-- c

select 1186; select 1187;
-- c

select 1188; select 1189;
-- c

select 1190; select 1191;
-- c

select 1192; select 1193;
-- c

select 1194; select 1195;
-- c

select 1196; select 1197;
-- c

select 1198; select 1199;
-- c

select 1200; select 1201;
-- c

select 1202; select 1203;
-- c

select 1204; select 1205;
-- c

select 1206; select 1207;
-- c

select 1208; select 1209;
-- c

select 1210; select 1211;
-- c

select 1212; select 1213;
-- c

select 1214; select 1215;
-- c

select 1216; select 1217;
-- c

select 1218; select 1219;
-- c

select 1220; select 1221;
-- c

select 1222; select 1223;
-- c

select 1224; select 1225;
-- c

select 1226; select 1227;
-- c

select 1228; select 1229;
-- c

select 1230; select 1231;
-- c

select 1232; select 1233;
-- c

select 1234; select 1235;
-- c

select 1236; select 1237;
-- c

select 1238; select 1239;
-- c

select 1240; select 1241;
-- c

select 1242; select 1243;
-- c

select 1244; select 1245;
-- c

select 1246; select 1247;
-- c

select 1248; select 1249;
-- c

select 1250; select 1251;
-- c

select 1252; select 1253;
-- c

select 1254; select 1255;
-- c

select 1256; select 1257;
-- c

select 1258; select 1259;
-- c

select 1260; select 1261;
-- c

select 1262; select 1263;
-- c

select 1264; select 1265;
-- c

select 1266; select 1267;
-- c

select 1268; select 1269;
-- c

select 1270; select 1271;
-- c

select 1272; select 1273;
-- c

select 1274; select 1275;
-- c

select 1276; select 1277;
-- c

select 1278; select 1279;
-- c

select 1280; select 1281;
-- c

select 1282; select 1283;
-- c

select 1284; select 1285;
-- c

select 1286; select 1287;
-- c

select 1288; select 1289;
-- c

select 1290; select 1291;
-- c

select 1292; select 1293;
-- c

select 1294; select 1295;
-- c

select 1296; select 1297;
-- c

select 1298; select 1299;
-- c

select 1300; select 1301;
-- c

select 1302; select 1303;
-- c

select 1304; select 1305;
-- c

select 1306; select 1307;
-- c

select 1308; select 1309;
-- c

select 1310; select 1311;
-- c

select 1312; select 1313;
-- c

select 1314; select 1315;
-- c

select 1316; select 1317;
-- c

select 1318; select 1319;
-- c

select 1320; select 1321;
-- c

select 1322; select 1323;
-- c

select 1324; select 1325;
-- c

select 1326; select 1327;
-- c

select 1328; select 1329;
-- c

select 1330; select 1331;
-- c

select 1332; select 1333;
-- c

select 1334; select 1335;
-- c

select 1336; select 1337;
-- c

select 1338; select 1339;
-- c

select 1340; select 1341;
-- c

select 1342; select 1343;
-- c

select 1344; select 1345;
-- c

select 1346; select 1347;
-- c

select 1348; select 1349;
-- c

select 1350; select 1351;
-- c

select 1352; select 1353;
-- c

select 1354; select 1355;
-- c

select 1356; select 1357;
-- c

select 1358; select 1359;
-- c

select 1360; select 1361;
-- c

select 1362; select 1363;
-- c

select 1364; select 1365;
-- c

select 1366; select 1367;
-- c

select 1368; select 1369;
-- c

select 1370; select 1371;
-- c

select 1372; select 1373;
-- c

select 1374; select 1375;
-- c

select 1376; select 1377;
-- c

select 1378; select 1379;
-- c

select 1380; select 1381;
-- c

select 1382; select 1383;
-- c

select 1384; select 1385;
-- c

select 1386; select 1387;
-- c

select 1388; select 1389;
-- c

select 1390; select 1391;
-- c

select 1392; select 1393;
-- c

select 1394; select 1395;
-- c

select 1396; select 1397;
-- c

select 1398; select 1399;
-- c

select 1400; select 1401;
-- c

select 1402; select 1403;
-- c

select 1404; select 1405;
-- c

select 1406; select 1407;
-- c

select 1408; select 1409;
-- c

select 1410; select 1411;
-- c

select 1412; select 1413;
-- c

select 1414; select 1415;
-- c

select 1416; select 1417;
-- c

select 1418; select 1419;
-- c

select 1420; select 1421;
-- c

select 1422; select 1423;
-- c

select 1424; select 1425;
-- c

select 1426; select 1427;
-- c

select 1428; select 1429;
-- c

select 1430; select 1431;
-- c

select 1432; select 1433;
-- c

select 1434; select 1435;
-- c

select 1436; select 1437;
-- c

select 1438; select 1439;
-- c

select 1440; select 1441;
-- c

select 1442; select 1443;
-- c

select 1444; select 1445;
-- c

select 1446; select 1447;
-- c

select 1448; select 1449;
-- c

select 1450; select 1451;
-- c

select 1452; select 1453;
-- c

select 1454; select 1455;
-- c

select 1456; select 1457;
-- c

select 1458; select 1459;
-- c

select 1460; select 1461;
-- c

select 1462; select 1463;
-- c

select 1464; select 1465;
-- c

select 1466; select 1467;
-- c

select 1468; select 1469;
-- c

select 1470; select 1471;
-- c

select 1472; select 1473;
-- c

select 1474; select 1475;
-- c

select 1476; select 1477;
-- c

select 1478; select 1479;
-- c

select 1480; select 1481;
-- c

select 1482; select 1483;
-- c

select 1484; select 1485;
-- c

select 1486; select 1487;
-- c

select 1488; select 1489;
-- c

select 1490; select 1491;
-- c

select 1492; select 1493;
-- c

select 1494; select 1495;
-- c

select 1496; select 1497;
-- c

select 1498; select 1499;
-- c

select 1500; select 1501;
-- c

select 1502; select 1503;
-- c

select 1504; select 1505;
-- c

select 1506; select 1507;
-- c

select 1508; select 1509;
-- c

select 1510; select 1511;
-- c

select 1512; select 1513;
-- c

select 1514; select 1515;
-- c

select 1516; select 1517;
-- c

select 1518; select 1519;
-- c

select 1520; select 1521;
-- c

select 1522; select 1523;
-- c

select 1524; select 1525;
-- c

select 1526; select 1527;
-- c

select 1528; select 1529;
-- c

select 1530; select 1531;
-- c

select 1532; select 1533;
-- c

select 1534; select 1535;
-- c

select 1536; select 1537;
-- c

select 1538; select 1539;
-- c

select 1540; select 1541;
-- c

select 1542; select 1543;
-- c

select 1544; select 1545;
-- c

select 1546; select 1547;
-- c

select 1548; select 1549;
-- c

select 1550; select 1551;
-- c

select 1552; select 1553;
-- c

select 1554; select 1555;
-- c

select 1556; select 1557;
-- c

select 1558; select 1559;
-- c

select 1560; select 1561;
-- c

select 1562; select 1563;
-- c

select 1564; select 1565;
-- c

select 1566; select 1567;
-- c

select 1568; select 1569;
-- c

select 1570; select 1571;
-- c

select 1572; select 1573;
-- c

select 1574; select 1575;
-- c

select 1576; select 1577;
-- c

select 1578; select 1579;
-- c

select 1580; select 1581;
-- c

select 1582; select 1583;
-- c

select 1584; select 1585;
-- c

select 1586; select 1587;
-- c

select 1588; select 1589;
-- c

select 1590; select 1591;
-- c

select 1592; select 1593;
-- c

select 1594; select 1595;
-- c

select 1596; select 1597;
-- c

select 1598; select 1599;
-- c

select 1600; select 1601;
-- c

select 1602; select 1603;
-- c

select 1604; select 1605;
-- c

select 1606; select 1607;
-- c

select 1608; select 1609;
-- c

select 1610; select 1611;
-- c

select 1612; select 1613;
-- c

select 1614; select 1615;
-- c

select 1616; select 1617;
-- c

select 1618; select 1619;
-- c

select 1620; select 1621;
-- c

select 1622; select 1623;
-- c

select 1624; select 1625;
-- c

select 1626; select 1627;
-- c

select 1628; select 1629;
-- c

select 1630; select 1631;
-- c

select 1632; select 1633;
-- c

select 1634; select 1635;
-- c

select 1636; select 1637;
-- c

select 1638; select 1639;
-- c

select 1640; select 1641;
-- c

select 1642; select 1643;
-- c

select 1644; select 1645;
-- c

select 1646; select 1647;
-- c

select 1648; select 1649;
-- c

select 1650; select 1651;
-- c

select 1652; select 1653;
-- c

select 1654; select 1655;
-- c

select 1656; select 1657;
-- c

select 1658; select 1659;
-- c

select 1660; select 1661;
-- c

select 1662; select 1663;
-- c

select 1664; select 1665;
-- c

select 1666; select 1667;
-- c

select 1668; select 1669;
-- c

select 1670; select 1671;
-- c

select 1672; select 1673;
-- c

select 1674; select 1675;
-- c

select 1676; select 1677;
-- c

select 1678; select 1679;
-- c

select 1680; select 1681;
-- c

select 1682; select 1683;
-- c

select 1684; select 1685;
-- c

select 1686; select 1687;
-- c

select 1688; select 1689;
-- c

select 1690; select 1691;
-- c

select 1692; select 1693;
-- c

select 1694; select 1695;
-- c

select 1696; select 1697;
-- c

select 1698; select 1699;
-- c

select 1700; select 1701;
-- c

select 1702; select 1703;
-- c

select 1704; select 1705;
-- c

select 1706; select 1707;
-- c

select 1708; select 1709;
-- c

select 1710; select 1711;
-- c

select 1712; select 1713;
-- c

select 1714; select 1715;
-- c

select 1716; select 1717;
-- c

select 1718; select 1719;
-- c

select 1720; select 1721;
-- c

select 1722; select 1723;
-- c

select 1724; select 1725;
-- c

select 1726; select 1727;
-- c

select 1728; select 1729;
-- c

select 1730; select 1731;
-- c

select 1732; select 1733;
-- c

select 1734; select 1735;
-- c

select 1736; select 1737;
-- c

select 1738; select 1739;
-- c

select 1740; select 1741;
-- c

select 1742; select 1743;
-- c

select 1744; select 1745;
-- c

select 1746; select 1747;
-- c

select 1748; select 1749;
-- c

select 1750; select 1751;
-- c

select 1752; select 1753;
-- c

select 1754; select 1755;
-- c

select 1756; select 1757;
-- c

select 1758; select 1759;
-- c

select 1760; select 1761;
-- c

select 1762; select 1763;
-- c

select 1764; select 1765;
-- c

select 1766; select 1767;
-- c

select 1768; select 1769;
-- c

select 1770; select 1771;
-- c

select 1772; select 1773;
-- c

select 1774; select 1775;
-- c

select 1776; select 1777;
-- c

select 1778; select 1779;
-- c

select 1780; select 1781;
-- c

select 1782; select 1783;
-- c

select 1784; select 1785;
-- c

select 1786; select 1787;
-- c

select 1788; select 1789;
-- c

select 1790; select 1791;
-- c

select 1792; select 1793;
-- c

select 1794; select 1795;
-- c

select 1796; select 1797;
-- c

select 1798; select 1799;
-- c

select 1800; select 1801;
-- c

select 1802; select 1803;
-- c

select 1804; select 1805;
-- c

select 1806; select 1807;
-- c

select 1808; select 1809;
-- c

select 1810; select 1811;
-- c

select 1812; select 1813;
-- c

select 1814; select 1815;
-- c

select 1816; select 1817;
-- c

select 1818; select 1819;
-- c

select 1820; select 1821;
-- c

select 1822; select 1823;
-- c

select 1824; select 1825;
-- c

select 1826; select 1827;
-- c

select 1828; select 1829;
-- c

select 1830; select 1831;
-- c

select 1832; select 1833;
-- c

select 1834; select 1835;
-- c

select 1836; select 1837;
-- c

select 1838; select 1839;
-- c

select 1840; select 1841;
-- c

select 1842; select 1843;
-- c

select 1844; select 1845;
-- c

select 1846; select 1847;
-- c

select 1848; select 1849;
-- c

select 1850; select 1851;
-- c

select 1852; select 1853;
-- c

select 1854; select 1855;
-- c

select 1856; select 1857;
-- c

select 1858; select 1859;
-- c

select 1860; select 1861;
-- c

select 1862; select 1863;
-- c

select 1864; select 1865;
-- c

select 1866; select 1867;
-- c

select 1868; select 1869;
-- c

select 1870; select 1871;
-- c

select 1872; select 1873;
-- c

select 1874; select 1875;
-- c

select 1876; select 1877;
-- c

select 1878; select 1879;
-- c

select 1880; select 1881;
-- c

select 1882; select 1883;
-- c

select 1884; select 1885;
-- c

select 1886; select 1887;
-- c

select 1888; select 1889;
-- c

select 1890; select 1891;
-- c

select 1892; select 1893;
-- c

select 1894; select 1895;
-- c

select 1896; select 1897;
-- c

select 1898; select 1899;
-- c

select 1900; select 1901;
-- c

select 1902; select 1903;
-- c

select 1904; select 1905;
-- c

select 1906; select 1907;
-- c

select 1908; select 1909;
-- c

select 1910; select 1911;
-- c

select 1912; select 1913;
-- c

select 1914; select 1915;
-- c

select 1916; select 1917;
-- c

select 1918; select 1919;
-- c

select 1920; select 1921;
-- c

select 1922; select 1923;
-- c

select 1924; select 1925;
-- c

select 1926; select 1927;
-- c

select 1928; select 1929;
-- c

select 1930; select 1931;
-- c

select 1932; select 1933;
-- c

select 1934; select 1935;
-- c

select 1936; select 1937;
-- c

select 1938; select 1939;
-- c

select 1940; select 1941;
-- c

select 1942; select 1943;
-- c

select 1944; select 1945;
-- c

select 1946; select 1947;
-- c

select 1948; select 1949;
-- c

select 1950; select 1951;
-- c

select 1952; select 1953;
-- c

select 1954; select 1955;
-- c

select 1956; select 1957;
-- c

select 1958; select 1959;
-- c

select 1960; select 1961;
-- c

select 1962; select 1963;
-- c

select 1964; select 1965;
-- c

select 1966; select 1967;
-- c

select 1968; select 1969;
-- c

select 1970; select 1971;
-- c

select 1972; select 1973;
-- c

select 1974; select 1975;
-- c

select 1976; select 1977;
-- c

select 1978; select 1979;
-- c

select 1980; select 1981;
-- c

select 1982; select 1983;
-- c

select 1984; select 1985;
-- c

select 1986; select 1987;
-- c

select 1988; select 1989;
-- c

select 1990; select 1991;
-- c

select 1992; select 1993;
-- c

select 1994; select 1995;
-- c

select 1996; select 1997;
-- c

select 1998; select 1999;
